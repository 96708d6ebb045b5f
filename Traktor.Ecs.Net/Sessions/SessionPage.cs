namespace Traktor.Ecs.Net.Sessions;

/// <summary>One page of <see cref="ISessions.ListSessionsAsync"/>, oldest sessions first.</summary>
/// <param name="Sessions">The sessions of this page.</param>
/// <param name="Total">Sessions matching the filter in all pages.</param>
/// <param name="NextOffset">The offset of the next page, or null on the last one.</param>
public sealed record SessionPage(IReadOnlyList<SessionInfo> Sessions, int Total, int? NextOffset);
