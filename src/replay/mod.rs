//! Audit-log replay: WorkMail's logged access verdicts, asked again of the engine (SEMANTICS 6).
//!
//! (Skeleton: filled in below.)

/// The shape a log file is in (SEMANTICS 6.1), told from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogShape {
    /// One event per line, as CloudWatch Logs delivers them to S3 or Firehose.
    EventLines,
    /// `aws logs filter-log-events` output: pages of `{"events": [{"message": "<event JSON>", …}], "nextToken"?}`.
    FilterLogEvents,
    /// `aws logs get-query-results` output: `{"results": [[{"field", "value"}, …], …]}`, every value a string.
    QueryResults,
}
