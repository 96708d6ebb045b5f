namespace Traktor.Ecs.Net.Sessions;

/// <summary>A snapshot of one session's state.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its display name.</param>
/// <param name="MaxPlayers">Its capacity.</param>
/// <param name="Visibility">Whether it is listed.</param>
/// <param name="Properties">Game-defined key/value pairs (mode, map, region…), used by filters.</param>
/// <param name="Players">The ids of its players, in join order.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record SessionInfo(
    SessionId Id,
    string Name,
    int MaxPlayers,
    SessionVisibility Visibility,
    IReadOnlyDictionary<string, string> Properties,
    IReadOnlyList<ulong> Players,
    DateTimeOffset CreatedAt)
{
    /// <summary>Players in the session.</summary>
    public int PlayerCount => Players.Count;

    /// <summary>Free slots.</summary>
    public int FreeSlots => MaxPlayers - Players.Count;
}
