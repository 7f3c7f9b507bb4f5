"""Pure job-routing logic for one-job-at-a-time trades dispatch.

No I/O and no imports from the rest of the project: give it techs, open jobs and the
current time, and it says which job each tech should be offered next and why.
"""

from routing.baselines import fifo_job, nearest_job
from routing.batch import assign_batch
from routing.job_pool import JobPool
from routing.job_table import JobTable
from routing.lookahead import Plan, PlannedStop, TechAvailability, project_plan
from routing.model import Decision, OpenJob, Point, ScoreBreakdown, TechProfile
from routing.performance import shrunk_close_rate, shrunk_ticket_factor
from routing.policy import Weights, choose_next_job, rank_jobs, score_matrix
from routing.travel import GeodesicTravel, TravelModel

__all__ = [
    "Decision",
    "GeodesicTravel",
    "JobPool",
    "JobTable",
    "OpenJob",
    "Plan",
    "PlannedStop",
    "Point",
    "ScoreBreakdown",
    "TechAvailability",
    "TechProfile",
    "TravelModel",
    "Weights",
    "assign_batch",
    "choose_next_job",
    "fifo_job",
    "nearest_job",
    "project_plan",
    "rank_jobs",
    "score_matrix",
    "shrunk_close_rate",
    "shrunk_ticket_factor",
]
