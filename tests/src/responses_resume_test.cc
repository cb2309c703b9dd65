// Background responses: a streamed step whose connection breaks is resumed with
// GET /responses/{id}?stream=true&starting_after=<last sequence_number>, picks up where it
// broke without repeating a delta, and gives up after max_stream_resumes attempts. Without
// `background` the break fails the step as before.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llm/responses_client.h"
#include "tests/src/fake_ports.h"

namespace agentreplay {
namespace {

using ::agentreplay::testing::CannedResponse;
using ::agentreplay::testing::FixedClock;
using ::agentreplay::testing::RecordedBody;
using ::agentreplay::testing::RecordingSink;
using ::agentreplay::testing::RunSync;
using ::agentreplay::testing::ScriptedTransport;
using ::testing::HasSubstr;

constexpr char kResponseId[] = "resp_0b70e4946283a4df0068c9ef5ef4d88194adeeb6e2283d609a";

// The recorded text stream's events, each with its blank line (sequence numbers 0, 1, ...).
std::vector<std::string> RecordedEvents() {
  const std::string body = RecordedBody("dotnet-responses-streaming-text.json", 0);
  std::vector<std::string> out;
  for (size_t pos = 0; pos < body.size();) {
    const size_t end = body.find("\n\n", pos);
    out.push_back(body.substr(pos, end + 2 - pos));
    pos = end + 2;
  }
  return out;
}

std::string Join(const std::vector<std::string>& events, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < events.size(); ++i) out += events[i];
  return out;
}

class ResponsesResumeTest : public ::testing::Test {
 protected:
  ResponsesClient MakeClient(bool background) {
    LlmClientOptions options;
    options.background = background;
    return ResponsesClient(options, LlmClientPorts{clock_, transport_, sink_});
  }
  // The first 7 events (up to sequence number 6), half of the 8th, then a reset.
  void BreakAfterSix() {
    const auto events = RecordedEvents();
    transport_.responses.push_back(CannedResponse{
        200, {Join(events, 0, 7) + events[7].substr(0, events[7].size() / 2)}, true});
  }
  int Count(AgentEventType type) const {
    int n = 0;
    for (const auto& e : sink_.events) n += e.type == type ? 1 : 0;
    return n;
  }

  FixedClock clock_;
  ScriptedTransport transport_;
  RecordingSink sink_;
};

TEST_F(ResponsesResumeTest, ABrokenBackgroundStreamResumesAfterItsLastEvent) {
  BreakAfterSix();
  // The resumed stream repeats event 6, which must not show twice.
  const auto events = RecordedEvents();
  transport_.responses.push_back(CannedResponse{200, {Join(events, 6, events.size())}});
  auto client = MakeClient(/*background=*/true);
  StepResult step = RunSync(client.StartTurn("Hello", {}));

  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted) << step.error->reason;
  EXPECT_EQ(step.text, "Hello! How can I assist you today?");
  EXPECT_EQ(Count(AgentEventType::kTextDelta), 9);  // as many as the recording has
  EXPECT_EQ(step.usage.output_tokens, 10);
  ASSERT_EQ(transport_.requests.size(), 2u);
  EXPECT_THAT(transport_.requests[0].body, HasSubstr(R"("background":true,"stream":true)"));
  EXPECT_EQ(transport_.requests[1].method, "GET");
  EXPECT_EQ(transport_.requests[1].target,
            std::string("/v1/responses/") + kResponseId + "?stream=true&starting_after=6");
  // The UI is told that the stream is being picked up again.
  bool resuming = false;
  for (const auto& e : sink_.events) {
    resuming |= e.type == AgentEventType::kStatus && e.text == "resuming" && e.detail == "6";
  }
  EXPECT_TRUE(resuming);
  EXPECT_EQ(client.previous_response_id(), kResponseId);
}

TEST_F(ResponsesResumeTest, WithoutBackgroundTheBreakFailsTheStep) {
  BreakAfterSix();
  auto client = MakeClient(/*background=*/false);
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "connection_reset");
  EXPECT_EQ(transport_.requests.size(), 1u);
  EXPECT_THAT(transport_.requests[0].body, ::testing::Not(HasSubstr("background")));
}

TEST_F(ResponsesResumeTest, ResumesAreBoundedAndEachPicksUpWhereTheLastBroke) {
  BreakAfterSix();
  const auto events = RecordedEvents();
  // Each resume brings one more event before it breaks too.
  for (size_t i = 7; i < 10; ++i) {
    transport_.responses.push_back(CannedResponse{200, {events[i]}, true});
  }
  auto client = MakeClient(/*background=*/true);
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "connection_reset");
  ASSERT_EQ(transport_.requests.size(), 4u);  // the POST and three resumes
  EXPECT_THAT(transport_.requests[3].target, ::testing::EndsWith("starting_after=8"));
}

TEST_F(ResponsesResumeTest, AResumeTheServerRefusesEndsTheStepWithItsError) {
  BreakAfterSix();
  transport_.responses.push_back(CannedResponse{
      404,
      {R"({"error":{"message":"Response with id 'resp_x' not found.","type":"invalid_request_error","param":null,"code":null}})"}});
  auto client = MakeClient(/*background=*/true);
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "http_404");
  EXPECT_EQ(transport_.requests.size(), 2u);
}

TEST_F(ResponsesResumeTest, AStreamThatBrokeBeforeItsFirstEventCannotBeResumed) {
  transport_.responses.push_back(CannedResponse{200, {"event: response.cre"}, true});
  auto client = MakeClient(/*background=*/true);
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "connection_reset");
  EXPECT_EQ(transport_.requests.size(), 1u);
}

}  // namespace
}  // namespace agentreplay
