namespace Traktor.Ecs.Net.Sessions;

/// <summary>Which sessions <see cref="ISessions.ListSessionsAsync"/> and <see cref="ISessions.QuickJoinAsync(long, SessionFilter?, SessionOptions, CancellationToken)"/> consider; every set condition must hold.</summary>
public sealed record SessionFilter
{
    /// <summary>Only sessions whose name contains this (case-insensitive), at most <see cref="SessionLimits.MaxNameLength"/> characters.</summary>
    public string? NameContains { get; init; }

    /// <summary>Only sessions with at least one free slot.</summary>
    public bool OnlyWithFreeSlots { get; init; }

    /// <summary>Only sessions having each of these properties with exactly this value.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

    /// <summary>Checks the filter's bounds.</summary>
    /// <exception cref="Online.OnlineException"><see cref="Online.OnlineError.InvalidArgument"/> for an over-long text or too many properties.</exception>
    public void Validate()
    {
        if (NameContains is { Length: > SessionLimits.MaxNameLength })
        {
            throw Online.OnlineException.Invalid($"A name filter is at most {SessionLimits.MaxNameLength} characters.");
        }

        SessionLimits.CheckProperties(Properties);
    }

    /// <summary>True when <paramref name="session"/> passes the filter.</summary>
    /// <param name="session">A session.</param>
    /// <returns>True when it matches.</returns>
    public bool Matches(SessionInfo session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (NameContains is { Length: > 0 } text && !session.Name.Contains(text, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (OnlyWithFreeSlots && session.FreeSlots <= 0)
        {
            return false;
        }

        foreach (var (key, value) in Properties ?? EmptyProperties)
        {
            if (!session.Properties.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }

    private static readonly Dictionary<string, string> EmptyProperties = new();
}
