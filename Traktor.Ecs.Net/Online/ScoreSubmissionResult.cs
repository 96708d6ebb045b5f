namespace Traktor.Ecs.Net.Online;

/// <summary>What a score submission did.</summary>
/// <param name="Entry">The player's record after the submission, with its rank.</param>
/// <param name="Changed">True when the record changed (a "best" submission that is not better changes nothing).</param>
/// <param name="Replayed">True when the idempotency key had been seen before, so this submission was not applied again.</param>
/// <param name="PeriodStart">The start of the period the score counts in.</param>
public sealed record ScoreSubmissionResult(LeaderboardEntry Entry, bool Changed, bool Replayed, DateTimeOffset PeriodStart);
