"""Command-line behaviour: progress on a terminal only, quiet and verbose modes."""

import fcntl
import os
import struct
import subprocess
import sys
import termios

import pytest

from conftest import REPO, TODAY


def run_with_terminal_stderr(project, *args, env=None):
    """Run build.py with stderr on a pseudo-terminal; returns what the terminal showed."""
    master, slave = os.openpty()
    # A real terminal has a size; tqdm draws nothing in zero columns.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "--project", str(project.root),
                             "--today", TODAY.isoformat(), *args],
                            stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the terminal closes when the child exits
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_progress_shows_on_a_terminal_but_not_in_ci(project):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    code, terminal = run_with_terminal_stderr(project, env=env)
    assert code == 0 and "render" in terminal and "file/s" in terminal
    code, terminal = run_with_terminal_stderr(project, env=dict(env, CI="true"))
    assert code == 0 and "file/s" not in terminal


def test_progress_stays_quiet_when_piped(project):
    out = project.cli()
    assert out.returncode == 0 and "file/s" not in out.stderr


def test_verbose_prints_stage_times_and_quiet_hides_the_summary(project):
    verbose = project.cli("-v")
    assert all(f"{stage}: " in verbose.stderr for stage in ("load", "validate", "model", "render", "write"))
    quiet = project.cli("-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_a_second_build_of_a_project_waits_for_the_first(project):
    """build.py and serve share the staging tree: a build that finds another at
    work (here, the lock held by this process) says so and waits for it."""
    from guide.buildlock import project_lock
    with project_lock(project.root):
        proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "--project", str(project.root),
                                 "--today", TODAY.isoformat(), "-q"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            pass
        assert proc.returncode is None, "the build went on while another held the project"
        assert not (project.root / "site").exists()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "waiting for another build of this project" in err
    assert (project.root / "site" / "index.html").is_file()


def test_a_check_does_not_wait_for_a_build(project):
    from guide.buildlock import project_lock
    with project_lock(project.root):
        out = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "--project", str(project.root),
                              "--today", TODAY.isoformat()], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "waiting" not in out.stderr


def test_the_build_lock_is_not_kept_by_processes_forked_while_it_was_held(tmp_path):
    """Render and PDF workers are forked while a build holds the lock; one that
    outlives its parent (killed) must not keep the project locked."""
    import time
    from guide.buildlock import LOCK_FILE, project_lock
    (tmp_path / "content").mkdir()   # (a project: a folder without one is not locked)
    with project_lock(tmp_path):
        child = os.fork()
        if child == 0:  # a worker that lives on
            time.sleep(60)
            os._exit(0)
    try:
        fd = os.open(tmp_path / LOCK_FILE, os.O_RDWR)
        try:
            deadline = time.monotonic() + 10   # (the child closes its copy as it starts)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    assert time.monotonic() < deadline, "the forked process kept the lock"
                    time.sleep(0.05)
        finally:
            os.close(fd)
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)


def test_a_build_goes_on_where_the_file_system_has_no_locks(project, monkeypatch):
    """Some network shares refuse locks (ENOLCK): build as before locks, not fail."""
    import errno
    from guide import buildlock

    def refuse(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(buildlock.fcntl, "flock", refuse)
    result = project.build()
    assert result.ok and (project.root / "site" / "index.html").is_file()
    assert buildlock._held == set()


def test_problems_name_files_from_the_project_root_whatever_the_working_folder(project):
    """Run from inside the project (cd content; build.py --project ..): every
    problem names its file from the project root, not content/content/..."""
    path = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("start: 2023-05-30", "start: 2022-05-30"),
                    encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("end: 2023-06-02", "end: 2022-06-02"),
                    encoding="utf-8")
    out = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "--project", "..",
                          "--today", TODAY.isoformat()], capture_output=True, text=True,
                         cwd=project.root / "content")
    assert out.returncode == 1
    lines = [l for l in (out.stdout + out.stderr).splitlines() if ": outside-window: " in l]
    assert lines and all(l.startswith("content/editions/2023/conferences/cms-2023.yaml:") for l in lines), lines


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_folder_that_is_no_project_is_named_and_left_empty(tmp_path, command):
    out = subprocess.run([sys.executable, str(REPO / "build.py"), command], capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode == 1
    assert f"no content/ folder in {tmp_path.resolve()}: is this a guide project? (build.py works on the folder it is run in; " \
           "or give --project PATH)" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_i18n_speaks_json_when_asked(project):
    import json
    out = project.cli("i18n", "status", "--format", "json")
    assert out.returncode == 0, out.stderr
    catalogs = {(c["lang"], c["domain"]): c for c in json.loads(out.stdout)["catalogs"]}
    assert catalogs["zh", "messages"]["untranslated"] == [] and catalogs["en", "content"]["translated"] > 0
    out = project.cli("i18n", "update", "--format", "json")
    assert out.returncode == 0 and set(json.loads(out.stdout)) == {"written"}


def test_out_may_come_before_the_default_command(project, tmp_path):
    out = project.cli("--out", str(tmp_path / "elsewhere"), "-q")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "elsewhere/zh/index.html").is_file() and not (project.root / "site").exists()


def test_workers_follow_the_cores_this_process_may_use(tmp_path):
    """A build pinned to one core (taskset, Docker's --cpuset-cpus) or given one
    core's quota (Docker's --cpus, cgroup v2 or v1) starts one worker, not one per machine core."""
    from guide.cores import _cgroup_quota, _cgroup_v1_quota
    one = subprocess.run([sys.executable, "-c", "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});"
                          "from guide.cores import usable_cores; print(usable_cores())"],
                         capture_output=True, text=True, check=True, cwd=REPO)
    assert one.stdout.strip() == "1"
    cpu_max = tmp_path / "cpu.max"
    for text, cores in [("max 100000\n", None), ("150000 100000\n", 2), ("50000 100000\n", 1), ("", None)]:
        cpu_max.write_text(text)
        assert _cgroup_quota(cpu_max) == cores, text
    assert _cgroup_quota(tmp_path / "absent") is None
    v1 = tmp_path / "cpu"
    v1.mkdir()
    for quota, period, cores in [("-1", "100000", None), ("150000", "100000", 2), ("50000", "100000", 1),
                                 ("200000", "100000", 2), ("", "100000", None)]:
        (v1 / "cpu.cfs_quota_us").write_text(quota + "\n")
        (v1 / "cpu.cfs_period_us").write_text(period + "\n")
        assert _cgroup_v1_quota(v1) == cores, (quota, period)
    assert _cgroup_v1_quota(tmp_path / "absent") is None


def test_an_interrupted_build_says_what_site_holds_without_a_traceback(project, monkeypatch, capsys):
    from guide import cli
    from guide.pipeline import Build

    def interrupted(self, write=True):
        raise KeyboardInterrupt
    monkeypatch.setattr(Build, "run", interrupted)
    assert cli.main(["--project", str(project.root), "--today", TODAY.isoformat()]) == 130
    err = capsys.readouterr().err
    assert err.strip() == f"build interrupted: {project.root / 'site'} holds the last complete build, if there is one"
