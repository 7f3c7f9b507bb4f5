// Every GraphQL document the page sends: the public API, nothing private.

const TECH = `fragment TechF on Technician {
  id version name skills status location { lat lon } locationAt home { lat lon }
  shiftStart shiftEnd shiftEndsAt currentJobId declinesToday
}`;

const JOB = `fragment JobF on Job {
  id version status kind priority problem address location { lat lon } customer { name }
  estimatedValue durationMinutes requiredSkills arrivalWindow { start end } urgencyList
  technicianId bookedAt assignedAt travelStartedAt arrivedAt eta
}`;

const ALERT = `fragment AlertF on Alert {
  id kind status technicianId jobId text minutes resolution createdAt version
}`;

export const OPEN_JOB_STATUSES = ['BOOKED', 'ASSIGNED', 'EN_ROUTE', 'ON_SITE'];
export const ACTIVE_JOB_STATUSES = ['ASSIGNED', 'EN_ROUTE', 'ON_SITE'];

export const ME = '{ me { role subject } }';

export const BOARD = `query Board {
  technicians { ...TechF }
  jobs(filter: { statuses: [BOOKED, ASSIGNED, EN_ROUTE, ON_SITE] }, first: 500) { ...JobF }
  alerts(statuses: [OPEN, ACKNOWLEDGED], first: 100) { ...AlertF }
}
${TECH}
${JOB}
${ALERT}`;

export const JOB_BY_ID = `query Job($id: ID!) { job(id: $id) { ...JobF } }
${JOB}`;

export const LIVE = `subscription Live {
  board { kind technician { ...TechF } job { ...JobF } alert { ...AlertF } }
}
${TECH}
${JOB}
${ALERT}`;

export const KPIS = `query Kpis($from: DateTime!, $to: DateTime!) {
  kpis(from: $from, to: $to) {
    revenue jobsCompleted jobsBooked avgRevenuePerCall jobsPerTech onTimeRate driveShare
    utilizationTarget callsBookedPerCsr { csr calls }
    technicians { technicianId utilization overworked onDutyHours onSiteHours }
  }
}`;

export const ASSIGN = `mutation Assign($jobId: ID!, $technicianId: ID!, $overrideSkills: Boolean!) {
  assignJob(jobId: $jobId, technicianId: $technicianId, overrideSkills: $overrideSkills) { ...JobF }
}
${JOB}`;

export const REASSIGN = `mutation Reassign($jobId: ID!, $technicianId: ID!, $force: Boolean!, $overrideSkills: Boolean!) {
  reassignJob(jobId: $jobId, technicianId: $technicianId, force: $force, overrideSkills: $overrideSkills) { ...JobF }
}
${JOB}`;

export const UNASSIGN = `mutation Unassign($jobId: ID!, $reason: String!) {
  unassignJob(jobId: $jobId, reason: $reason) { ...JobF }
}
${JOB}`;

export const CANCEL = `mutation Cancel($jobId: ID!, $reason: String!) {
  cancelJob(jobId: $jobId, reason: $reason) { ...JobF }
}
${JOB}`;

export const RESCHEDULE = `mutation Reschedule($jobId: ID!, $window: ArrivalWindowInput!, $reason: String!) {
  rescheduleJob(jobId: $jobId, window: $window, reason: $reason) { ...JobF }
}
${JOB}`;

export const ACKNOWLEDGE = `mutation Ack($alertId: ID!) {
  acknowledgeAlert(alertId: $alertId) { ...AlertF }
}
${ALERT}`;

export const REPLY = `mutation Reply($technicianId: ID!, $text: String!, $alertId: ID) {
  replyToTechnician(technicianId: $technicianId, text: $text, alertId: $alertId) { id }
}`;

export const ASK_OVERTIME = `mutation AskOvertime($technicianId: ID!, $until: DateTime!) {
  askOvertime(technicianId: $technicianId, until: $until) { ...TechF }
}
${TECH}`;

export const RESOLVE_LATE_CALL = `mutation Resolve($alertId: ID!, $outcome: LateCallOutcome!) {
  resolveLateCall(alertId: $alertId, outcome: $outcome) { ...AlertF }
}
${ALERT}`;
