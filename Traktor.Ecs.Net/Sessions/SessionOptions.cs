namespace Traktor.Ecs.Net.Sessions;

/// <summary>What a new session looks like (<c>createSession(name, maxPlayers)</c>).</summary>
/// <param name="Name">Display name or mode, 1 to <see cref="SessionLimits.MaxNameLength"/> characters.</param>
/// <param name="MaxPlayers">Capacity, 1 to <see cref="SessionLimits.MaxPlayers"/>.</param>
public sealed record SessionOptions(string Name, int MaxPlayers)
{
    /// <summary>Listed or not. Default public.</summary>
    public SessionVisibility Visibility { get; init; } = SessionVisibility.Public;

    /// <summary>Game-defined key/value pairs (mode, map, region…) that filters match; at most <see cref="SessionLimits.MaxProperties"/>.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

    /// <summary>Checks every bound of <see cref="SessionLimits"/>.</summary>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.InvalidArgument"/> naming the first bad value.</exception>
    public void Validate()
    {
        SessionLimits.CheckName(Name);
        if (MaxPlayers is < 1 or > SessionLimits.MaxPlayers)
        {
            throw Online.OnlineException.Invalid($"A session holds 1 to {SessionLimits.MaxPlayers} players.");
        }

        if (!Enum.IsDefined(Visibility))
        {
            throw Online.OnlineException.Invalid("Unknown session visibility.");
        }

        SessionLimits.CheckProperties(Properties);
    }
}
