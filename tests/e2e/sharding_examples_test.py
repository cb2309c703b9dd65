#!/usr/bin/env python3
"""The shipped sharding examples (examples/sharding/) parse and work.

Usage: sharding_examples_test.py AGENTREPLAY_BINARY SOURCE_DIR

Beyond parsing the YAML and checking that the shard counts agree, it runs what the examples
run: the GitHub Actions workflow's shard and merge steps (each shard in a workspace of its
own, artifacts copied the way upload/download-artifact lays them out) and the Kubernetes
Indexed Job's pod script once per completion index, then the merge Job's script, and checks
that the merged document is a whole run. Only the run's size is made smaller (RUN_ARGS);
every command line is the example's own. Exit 77 (skipped) without Python's yaml module.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("skipped: the Python yaml module is not installed")
    sys.exit(77)

# Smaller than the examples' runs, same shape: every shipped scenario, the default ladder.
SMALL_RUN_ARGS = "-n 2 --seed 3"

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def run_script(shell, script, cwd, env, what):
    done = subprocess.run(shell + [script], cwd=cwd, env=env, capture_output=True, text=True)
    check(done.returncode == 0,
          f"{what}: exit {done.returncode}\n--- script\n{script}\n--- stderr\n{done.stderr}")
    return done


def check_merged(path, what):
    if not check(os.path.isfile(path), f"{what}: no merged document at {path}"):
        return
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    context = doc["context"]
    check("shard" not in context, f"{what}: the merged document is still a shard")
    check(len(doc["cells"]) == context["planned_cells"] > 0,
          f"{what}: {len(doc['cells'])} cells merged of {context['planned_cells']} planned")
    check("--shard" not in context["command_line"],
          f"{what}: command line keeps --shard: {context['command_line']}")


def github_actions(path, binary, source, scratch):
    with open(path, encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    jobs = workflow["jobs"]
    shards = jobs["shard"]["strategy"]["matrix"]["shard"]
    count = len(shards)
    check(shards == list(range(1, count + 1)), f"{path}: matrix.shard is not 1..N: {shards}")
    check(jobs["merge"]["needs"] == "shard", f"{path}: merge does not wait for the shards")
    uploads = [s["with"]["name"] for s in jobs["shard"]["steps"]
               if s.get("uses", "").startswith("actions/upload-artifact")]
    check(uploads == ["results-shard-${{ matrix.shard }}"], f"{path}: shard uploads {uploads}")
    downloads = [s["with"].get("pattern") for s in jobs["merge"]["steps"]
                 if s.get("uses", "").startswith("actions/download-artifact")]
    check("results-shard-*" in downloads, f"{path}: merge downloads {downloads}")

    def agentreplay_steps(job):
        return [s["run"] for s in jobs[job]["steps"] if "bin/agentreplay" in s.get("run", "")]

    def workspace(name, summary):
        root = os.path.join(scratch, name)
        os.makedirs(os.path.join(root, "bin"))
        os.symlink(binary, os.path.join(root, "bin", "agentreplay"))
        # The checkout: what the steps read of it.
        os.symlink(os.path.join(os.path.abspath(source), "scenarios"),
                   os.path.join(root, "scenarios"))
        env = dict(os.environ, RUN_ARGS=SMALL_RUN_ARGS, GITHUB_STEP_SUMMARY=summary,
                   GITHUB_EVENT_NAME="pull_request")
        return root, env

    summary = os.path.join(scratch, "step-summary.md")
    bash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
    merge_root, merge_env = workspace("merge", summary)
    for shard in shards:
        root, env = workspace(f"shard-{shard}", summary)
        for script in agentreplay_steps("shard"):
            script = (script.replace("${{ matrix.shard }}", str(shard))
                      .replace("${{ strategy.job-total }}", str(count)))
            if not check("${{" not in script, f"{path}: unknown expression in {script}"):
                return
            run_script(bash, script, root, env, f"{path}: shard {shard}")
        # upload-artifact of out/, download-artifact by pattern into shards/NAME/.
        shutil.copytree(os.path.join(root, "out"),
                        os.path.join(merge_root, "shards", f"results-shard-{shard}"))
    merge_steps = agentreplay_steps("merge")
    check(any("agentreplay merge" in s for s in merge_steps), f"{path}: no merge step")
    check(any("agentreplay compare" in s for s in merge_steps), f"{path}: no gate step")
    for script in merge_steps:
        if "baseline/results.json" in script:
            # The gate, as on a pull request whose base branch left its merged results.
            os.makedirs(os.path.join(merge_root, "baseline"), exist_ok=True)
            shutil.copy(os.path.join(merge_root, "merged", "results.json"),
                        os.path.join(merge_root, "baseline", "results.json"))
        run_script(bash, script, merge_root, merge_env, f"{path}: merge job")
    check_merged(os.path.join(merge_root, "merged", "results.json"), path)
    check(os.path.isfile(summary) and "agentreplay" in open(summary, encoding="utf-8").read(),
          f"{path}: nothing written to the step summary")


def pod_container(job, path):
    containers = job["spec"]["template"]["spec"]["containers"]
    check(len(containers) == 1, f"{path}: expected one container")
    container = containers[0]
    check(container["command"] == ["/bin/sh", "-c"] and len(container["args"]) == 1,
          f"{path}: the container should run one /bin/sh -c script")
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    mounts = [m["mountPath"] for m in container.get("volumeMounts", [])]
    check(env.get("RESULTS") in mounts, f"{path}: RESULTS is not the mounted volume")
    return container["args"][0], env


def kubernetes(shards_path, merge_path, binary, scratch):
    with open(shards_path, encoding="utf-8") as f:
        docs = list(yaml.safe_load_all(f))
    with open(merge_path, encoding="utf-8") as f:
        merge_docs = list(yaml.safe_load_all(f))
    claims = [d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"]
    jobs = [d for d in docs if d["kind"] == "Job"]
    if not check(len(jobs) == 1 and len(merge_docs) == 1 and merge_docs[0]["kind"] == "Job",
                 f"{shards_path}, {merge_path}: expected one Job each"):
        return
    job, merge_job = jobs[0], merge_docs[0]
    spec = job["spec"]
    check(spec.get("completionMode") == "Indexed", f"{shards_path}: not an Indexed Job")
    completions = spec["completions"]
    script, env = pod_container(job, shards_path)
    check(env.get("SHARDS") == str(completions),
          f"{shards_path}: SHARDS {env.get('SHARDS')} but completions {completions}")
    check("JOB_COMPLETION_INDEX" in script, f"{shards_path}: the shard ignores its index")
    for j in (job, merge_job):
        volumes = j["spec"]["template"]["spec"]["volumes"]
        check([v["persistentVolumeClaim"]["claimName"] for v in volumes] == claims,
              f"{j['metadata']['name']}: does not mount the claim {claims}")

    bindir = os.path.join(scratch, "bin")
    os.makedirs(bindir)
    os.symlink(binary, os.path.join(bindir, "agentreplay"))
    volume = os.path.join(scratch, "volume")
    os.makedirs(volume)
    path_env = bindir + os.pathsep + os.environ.get("PATH", "")
    sh = ["/bin/sh", "-c"]
    for index in range(completions):
        pod_env = {**os.environ, **env, "PATH": path_env, "RESULTS": volume,
                   "RUN_ARGS": SMALL_RUN_ARGS, "JOB_COMPLETION_INDEX": str(index)}
        run_script(sh, script, scratch, pod_env, f"{shards_path}: pod {index}")
    merge_script, merge_env = pod_container(merge_job, merge_path)
    merge_env = {**os.environ, **merge_env, "PATH": path_env, "RESULTS": volume}
    done = run_script(sh, merge_script, scratch, merge_env, f"{merge_path}: without a baseline")
    check("no baseline" in done.stdout, f"{merge_path}: no word about the missing baseline")
    check_merged(os.path.join(volume, "merged", "results.json"), merge_path)
    # With a baseline on the volume the Job gates (the same results: the gate passes).
    os.makedirs(os.path.join(volume, "baseline"))
    shutil.copy(os.path.join(volume, "merged", "results.json"),
                os.path.join(volume, "baseline", "results.json"))
    done = run_script(sh, merge_script, scratch, merge_env, f"{merge_path}: with a baseline")
    check(re.search(r"PASS", done.stdout) is not None, f"{merge_path}: no gate verdict")


def main():
    binary, source = os.path.abspath(sys.argv[1]), sys.argv[2]
    examples = os.path.join(source, "examples", "sharding")
    with tempfile.TemporaryDirectory(prefix="agentreplay-examples-") as scratch:
        github_actions(os.path.join(examples, "github-actions.yml"), binary, source,
                       os.path.join(scratch, "github"))
        kubernetes(os.path.join(examples, "kubernetes-shards.yaml"),
                   os.path.join(examples, "kubernetes-merge.yaml"), binary,
                   os.path.join(scratch, "kubernetes"))
    for failure in failures:
        print("FAIL:", failure)
    if not failures:
        print("the sharding examples parse, run and merge")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
