from django.core.management.base import BaseCommand
from django.utils import timezone, translation

from cityops.core.selectors import job_overview, job_runs


def _at(value) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M:%S") if value else "—"


class Command(BaseCommand):
    help = (
        "Every background job of every app: its schedule, state, last and next run, its last result or "
        "error and its runs and failures of the last day; --failures N adds the N newest failures in full."
    )

    def add_arguments(self, parser):
        parser.add_argument("--failures", type=int, default=0, metavar="N", help="the N newest failures")
        parser.add_argument("--job", default="", help="only this job's failures (with --failures)")

    def handle(self, *args, failures, job, **opts):
        translation.activate("en")
        rows = job_overview()
        self.stdout.write(
            f"{'job':<22} {'schedule':<18} {'state':<18} {'last run':<15} {'next run':<15} "
            f"{'runs/fail 24h':<14} last result or error"
        )
        for j in rows:
            r = j.row
            said = (
                j.last_error_line if j.row and j.row.last_ok is False else (r.last_result if r else "")
            ) or "—"
            self.stdout.write(
                f"{j.name:<22} {j.schedule:<18} {j.state_label:<18} {_at(r and r.last_finished_at):<15} "
                f"{_at(r and j.every and r.next_run_at):<15} {f'{j.runs_24h}/{j.failures_24h}':<14} {said}"
            )
        for run in job_runs(job=job)[: max(failures, 0)]:
            self.stdout.write(
                f"\n{_at(run.started_at)} {run.job.name} attempt {run.attempt} on {run.worker}:\n{run.error}"
            )
