namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>What one <see cref="SessionDirectory.SweepAsync"/> did.</summary>
/// <param name="ServersDeclaredDead">Silent servers declared dead (their sessions ended).</param>
/// <param name="SeatsReleased">Seats released because their players never connected or stopped being reported.</param>
/// <param name="EmptySessionsEnded">Sessions ended for being empty.</param>
/// <param name="RowsPruned">Ended sessions and dead servers deleted after their retention.</param>
public sealed record SessionSweepReport(int ServersDeclaredDead, int SeatsReleased, int EmptySessionsEnded, int RowsPruned);
