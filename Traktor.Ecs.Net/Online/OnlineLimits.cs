namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Bounds on every value the online services accept. They are checked by the services themselves, so
/// the embedded store and the HTTP backend refuse the same inputs with <see cref="OnlineError.InvalidArgument"/>.
/// </summary>
public static class OnlineLimits
{
    /// <summary>
    /// Longest username of accounts registered before <see cref="Usernames"/>' rules, in UTF-16 code units; new names
    /// are at most <see cref="Usernames.MaxLength"/>. A login naming anything much longer is refused unread.
    /// </summary>
    public const int MaxUsernameLength = 64;

    /// <summary>Shortest accepted password.</summary>
    public const int MinPasswordLength = 8;

    /// <summary>Longest accepted password; bounds the hashing cost an attacker can ask for.</summary>
    public const int MaxPasswordLength = 128;

    /// <summary>Longest identifier of a leaderboard, achievement or cloud-save slot.</summary>
    public const int MaxIdLength = 64;

    /// <summary>Longest free-text field (score metadata, achievement name or description).</summary>
    public const int MaxTextLength = 512;

    /// <summary>Longest idempotency key.</summary>
    public const int MaxIdempotencyKeyLength = 128;

    /// <summary>Most entries one leaderboard page or around-player query returns.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Largest accepted token string; anything longer is refused before it is parsed.</summary>
    public const int MaxTokenLength = 512;

    /// <summary>
    /// Checks an identifier: 1 to <see cref="MaxIdLength"/> characters of ASCII letters, digits, '_', '-' or '.', not only dots.
    /// Identifiers appear in URLs, so they are kept to characters that need no escaping.
    /// </summary>
    /// <param name="value">The identifier.</param>
    /// <param name="what">Its name in the error message.</param>
    public static void CheckId(string? value, string what)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxIdLength)
        {
            throw OnlineException.Invalid($"{what} must be 1 to {MaxIdLength} characters.");
        }
        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw OnlineException.Invalid($"{what} may contain only ASCII letters, digits, '_', '-' and '.'.");
            }
        }
        if (value.AsSpan().Trim('.').IsEmpty)
        {
            // "." and ".." would be rewritten by URL path normalization into another route.
            throw OnlineException.Invalid($"{what} must not consist of dots only.");
        }
    }

    /// <summary>Checks free text: at most <paramref name="maxLength"/> characters and no control characters except tab and newline.</summary>
    /// <param name="value">The text; null is accepted.</param>
    /// <param name="what">Its name in the error message.</param>
    /// <param name="maxLength">The largest accepted length.</param>
    public static void CheckText(string? value, string what, int maxLength = MaxTextLength)
    {
        if (value is null)
        {
            return;
        }
        if (value.Length > maxLength)
        {
            throw OnlineException.Invalid($"{what} must be at most {maxLength} characters.");
        }
        foreach (char c in value)
        {
            if (char.IsControl(c) && c is not '\t' and not '\n')
            {
                throw OnlineException.Invalid($"{what} must not contain control characters.");
            }
        }
    }

    /// <summary>Checks a password's length.</summary>
    /// <param name="password">The password.</param>
    public static void CheckPassword(string? password)
    {
        if (password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
        {
            throw OnlineException.Invalid($"Password must be {MinPasswordLength} to {MaxPasswordLength} characters.");
        }
    }

    /// <summary>Checks a user id: positive.</summary>
    /// <param name="userId">The user id.</param>
    public static void CheckUserId(long userId)
    {
        if (userId <= 0)
        {
            throw OnlineException.Invalid("User id must be positive.");
        }
    }

    /// <summary>Checks paging arguments.</summary>
    /// <param name="offset">Entries to skip; 0 or more.</param>
    /// <param name="limit">Entries to return; 1 to <see cref="MaxPageSize"/>.</param>
    public static void CheckPage(int offset, int limit)
    {
        if (offset < 0 || offset > 10_000_000)
        {
            throw OnlineException.Invalid("Offset must be between 0 and 10,000,000.");
        }
        if (limit < 1 || limit > MaxPageSize)
        {
            throw OnlineException.Invalid($"Limit must be 1 to {MaxPageSize}.");
        }
    }
}
