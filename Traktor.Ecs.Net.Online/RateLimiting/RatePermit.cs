namespace Traktor.Ecs.Net.Online.RateLimiting;

/// <summary>
/// One permit <see cref="SharedRateLimiter"/> granted, as much of it as giving it back needs: the counter row that counted it
/// (its generation) and its place among the row's grants, from which the row tells when it comes back by itself in
/// whatever interval the row is counted in by then (migration 16).
/// </summary>
/// <param name="Generation">The generation of the row that counted the permit.</param>
/// <param name="Granted">The row's count of permits granted, this one included.</param>
internal readonly record struct RatePermit(long Generation, long Granted);
