namespace Traktor.Ecs.Net.Online.RateLimiting;

/// <summary>
/// One permit <see cref="SharedRateLimiter"/> granted, as much of it as giving it back needs: the counter row that counted it
/// (its generation) and the theoretical arrival time the grant moved that row to (Unix milliseconds), which is when the
/// permit comes back by itself.
/// </summary>
/// <param name="Generation">The generation of the row that counted the permit.</param>
/// <param name="ComesBackAtMs">When the permit is whole again by itself (the row's arrival time just after the grant).</param>
internal readonly record struct RatePermit(long Generation, long ComesBackAtMs);
