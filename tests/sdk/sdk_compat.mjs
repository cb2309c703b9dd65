// Drives `agentreplay serve` with the official OpenAI Node SDK, the way an application would:
// the SDK's own streaming and polling helpers must complete without errors and assemble the
// tool call and the answer the scenario scripts.
//
//   node sdk_compat.mjs BASE_URL SCENARIO.json
//
// Each flow runs in its own mock session (the x-agentreplay-session header), so each sees
// the scenario's first turn afresh. Exit 0 when every flow passes; otherwise the failures are
// printed and the exit code is 1.
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';

const [baseURL, scenarioFile] = process.argv.slice(2);
if (!baseURL || !scenarioFile) {
  console.error('usage: node sdk_compat.mjs BASE_URL SCENARIO.json');
  process.exit(2);
}

// What the scenario's first turn scripts: one tool call, then a text answer.
const scenario = JSON.parse(readFileSync(scenarioFile, 'utf8'));
const steps = scenario.turns[0].steps;
const call = steps.find((s) => s.tool_calls)?.tool_calls[0];
const answerStep = steps.find((s) => s.text || s.chunks);
const expectedText = answerStep.text ?? answerStep.chunks.join('');
const expectedArgs = call.arguments;
const userMessage = scenario.turns[0].user;
const tools = [
  {
    type: 'function',
    function: {
      name: call.name,
      description: 'Current local time in an IANA time zone.',
      parameters: {
        type: 'object',
        properties: { timezone: { type: 'string' } },
        required: ['timezone'],
      },
    },
  },
];
const toolOutput = JSON.stringify({ timezone: 'Asia/Tokyo', local_time: '2026-01-01T21:04:00+09:00' });

function client(session) {
  return new OpenAI({
    baseURL,
    apiKey: 'sk-test',
    maxRetries: 0,
    timeout: 20000,
    defaultHeaders: { 'x-agentreplay-session': session },
  });
}

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

function expectCall(name, args) {
  expect(name === call.name, `tool name: got ${name}, want ${call.name}`);
  const parsed = JSON.parse(args);
  expect(
    JSON.stringify(parsed) === JSON.stringify(expectedArgs),
    `tool arguments: got ${args}, want ${JSON.stringify(expectedArgs)}`,
  );
}

function expectText(text) {
  expect(text === expectedText, `answer: got ${JSON.stringify(text)}, want ${JSON.stringify(expectedText)}`);
}

async function assistantsSetup(openai) {
  const assistant = await openai.beta.assistants.create({
    model: scenario.model ?? 'gpt-4o-mini',
    instructions: scenario.instructions,
    tools,
  });
  const thread = await openai.beta.threads.create({
    messages: [{ role: 'user', content: userMessage }],
  });
  return { assistant, thread };
}

async function lastAssistantText(openai, threadId) {
  const page = await openai.beta.threads.messages.list(threadId, { order: 'desc', limit: 1 });
  const message = page.data[0];
  expect(message && message.role === 'assistant', 'the newest message is the assistant\'s');
  return message.content.map((c) => (c.type === 'text' ? c.text.value : '')).join('');
}

const flows = {
  async assistants_stream() {
    const openai = client('sdk-assistants-stream');
    const { assistant, thread } = await assistantsSetup(openai);
    const run = openai.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
    const first = await run.finalRun();
    expect(first.status === 'requires_action', `first run status: ${first.status}`);
    const calls = first.required_action.submit_tool_outputs.tool_calls;
    expect(calls.length === 1, `tool calls: ${calls.length}`);
    expectCall(calls[0].function.name, calls[0].function.arguments);
    let text = '';
    const follow = openai.beta.threads.runs.submitToolOutputsStream(first.id, {
      thread_id: thread.id,
      tool_outputs: [{ tool_call_id: calls[0].id, output: toolOutput }],
    });
    follow.on('textDelta', (delta) => {
      text += delta.value ?? '';
    });
    const done = await follow.finalRun();
    expect(done.status === 'completed', `final run status: ${done.status}`);
    expectText(text);
    const messages = await follow.finalMessages();
    expect(messages.length >= 1, 'finalMessages() has the answer');
  },

  async assistants_poll() {
    const openai = client('sdk-assistants-poll');
    const { assistant, thread } = await assistantsSetup(openai);
    const run = await openai.beta.threads.runs.createAndPoll(
      thread.id,
      { assistant_id: assistant.id },
      { pollIntervalMs: 50 },
    );
    expect(run.status === 'requires_action', `run status after createAndPoll: ${run.status}`);
    const calls = run.required_action.submit_tool_outputs.tool_calls;
    expectCall(calls[0].function.name, calls[0].function.arguments);
    const done = await openai.beta.threads.runs.submitToolOutputsAndPoll(
      run.id,
      { thread_id: thread.id, tool_outputs: [{ tool_call_id: calls[0].id, output: toolOutput }] },
      { pollIntervalMs: 50 },
    );
    expect(done.status === 'completed', `run status after submitToolOutputsAndPoll: ${done.status}`);
    expectText(await lastAssistantText(openai, thread.id));
  },

  async responses_stream() {
    const openai = client('sdk-responses');
    const responseTools = tools.map((t) => ({ type: 'function', ...t.function }));
    const first = await openai.responses
      .stream({ model: scenario.model, input: userMessage, tools: responseTools })
      .finalResponse();
    const fc = first.output.find((item) => item.type === 'function_call');
    expect(fc, 'the first response has a function_call item');
    expectCall(fc.name, fc.arguments);
    let text = '';
    const second = openai.responses.stream({
      model: scenario.model,
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: fc.call_id, output: toolOutput }],
      tools: responseTools,
    });
    second.on('response.output_text.delta', (event) => {
      text += event.delta;
    });
    const final = await second.finalResponse();
    expect(final.status === 'completed', `response status: ${final.status}`);
    expectText(final.output_text);
    expectText(text);
  },

  async chat_stream() {
    const openai = client('sdk-chat');
    const messages = [{ role: 'user', content: userMessage }];
    const first = await openai.chat.completions
      .stream({ model: scenario.model, messages, tools })
      .finalChatCompletion();
    const message = first.choices[0].message;
    expect(first.choices[0].finish_reason === 'tool_calls', `finish_reason: ${first.choices[0].finish_reason}`);
    expect(message.tool_calls?.length === 1, 'one tool call');
    expectCall(message.tool_calls[0].function.name, message.tool_calls[0].function.arguments);
    messages.push(message);
    messages.push({ role: 'tool', tool_call_id: message.tool_calls[0].id, content: toolOutput });
    const stream = openai.chat.completions.stream({ model: scenario.model, messages, tools });
    let text = '';
    stream.on('content', (delta) => {
      text += delta;
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].finish_reason === 'stop', `finish_reason: ${final.choices[0].finish_reason}`);
    expectText(final.choices[0].message.content);
    expectText(text);
  },
};

let failed = 0;
for (const [name, flow] of Object.entries(flows)) {
  try {
    await flow();
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error?.stack ?? error}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
