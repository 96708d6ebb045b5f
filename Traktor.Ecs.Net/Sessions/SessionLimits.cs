using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Bounds on what the session directory accepts, checked by every implementation alike (the HTTP backend refuses
/// the same values with <see cref="OnlineError.InvalidArgument"/> before touching the database).
/// </summary>
public static class SessionLimits
{
    /// <summary>Longest session name, in UTF-16 code units.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Largest session capacity.</summary>
    public const int MaxPlayers = 256;

    /// <summary>Most properties on one session (and in one filter).</summary>
    public const int MaxProperties = 16;

    /// <summary>Longest property key (an identifier: ASCII letters, digits, '_', '-', '.').</summary>
    public const int MaxPropertyKeyLength = 32;

    /// <summary>Longest property value.</summary>
    public const int MaxPropertyValueLength = 64;

    /// <summary>Most sessions one list page returns.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Checks a session name: 1 to <see cref="MaxNameLength"/> characters, no control characters.</summary>
    /// <param name="name">The name.</param>
    public static void CheckName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            throw OnlineException.Invalid($"A session name is 1 to {MaxNameLength} characters, not blank.");
        }

        CheckText(name, "A session name");
    }

    /// <summary>Checks a set of properties (on a session or in a filter).</summary>
    /// <param name="properties">The properties; null is accepted.</param>
    public static void CheckProperties(IReadOnlyDictionary<string, string>? properties)
    {
        if (properties is null)
        {
            return;
        }

        if (properties.Count > MaxProperties)
        {
            throw OnlineException.Invalid($"At most {MaxProperties} session properties.");
        }

        foreach (var (key, value) in properties)
        {
            if (key is null || key.Length > MaxPropertyKeyLength)
            {
                throw OnlineException.Invalid($"A session property key is 1 to {MaxPropertyKeyLength} characters.");
            }

            OnlineLimits.CheckId(key, "A session property key");
            if (value is null || value.Length > MaxPropertyValueLength)
            {
                throw OnlineException.Invalid($"A session property value is 0 to {MaxPropertyValueLength} characters.");
            }

            CheckText(value, "A session property value");
        }
    }

    /// <summary>Checks paging arguments.</summary>
    /// <param name="offset">Sessions to skip.</param>
    /// <param name="limit">Page size.</param>
    public static void CheckPage(int offset, int limit)
    {
        if (offset < 0 || limit is < 1 or > MaxPageSize)
        {
            throw OnlineException.Invalid($"offset must be 0 or more and limit 1 to {MaxPageSize}.");
        }
    }

    private static void CheckText(string value, string what)
    {
        foreach (char c in value)
        {
            if (char.IsControl(c))
            {
                throw OnlineException.Invalid($"{what} must not contain control characters.");
            }
        }
    }
}
