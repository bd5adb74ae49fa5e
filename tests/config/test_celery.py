import pytest

from incidents.tasks import ping


@pytest.mark.worker
def test_a_real_worker_on_redis_runs_a_task_and_returns_its_result(celery_worker_on_redis):
    result = ping.delay("hello from the test")
    assert result.get(timeout=60) == "hello from the test"
    assert result.status == "SUCCESS"


def test_without_redis_tasks_run_in_process(settings):
    result = ping.delay("in-process")
    assert result.get(timeout=1) == "in-process"
