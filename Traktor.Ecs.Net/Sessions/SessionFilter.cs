namespace Traktor.Ecs.Net.Sessions;

/// <summary>What <see cref="ISessions.ListSessions"/> returns; every set condition must hold.</summary>
public sealed record SessionFilter
{
    /// <summary>Only sessions whose name contains this (case-insensitive).</summary>
    public string? NameContains { get; init; }

    /// <summary>Only sessions with at least one free slot.</summary>
    public bool OnlyWithFreeSlots { get; init; }

    /// <summary>Only sessions having each of these properties with exactly this value.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

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
