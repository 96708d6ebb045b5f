using System.Data.Common;
using System.Security.Cryptography;
using System.Text;

namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>
/// Idempotency keys as the IETF draft (draft-ietf-httpapi-idempotency-key-header) has them: a key replayed with the
/// same request returns the first outcome without applying it again; a key replayed with a different request is
/// refused (<see cref="OnlineError.Conflict"/>, problem type <see cref="OnlineProblemTypes.IdempotencyKeyReused"/>, HTTP
/// 422), since the client has mixed up two operations. Requests are compared by a SHA-256 fingerprint of their fields.
/// </summary>
internal static class Idempotency
{
    /// <summary>A fingerprint of a request's fields (length-prefixed, so no two field lists collide by concatenation).</summary>
    public static string Fingerprint(params string?[] fields)
    {
        var text = new StringBuilder();
        foreach (string? field in fields)
        {
            text.Append(field is null ? "-1" : field.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(field).Append(';');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Refuses a replayed key whose request differs from the first one's.</summary>
    public static void RequireSameRequest(string? recorded, string presented, string key)
    {
        if (recorded is not null && recorded != presented)
        {
            throw new OnlineException(OnlineError.Conflict, $"Idempotency key '{key}' was already used for a different request.")
            {
                ProblemType = OnlineProblemTypes.IdempotencyKeyReused,
            };
        }
    }

    /// <summary>Refuses data for a user id that has no account (a server key can name any id).</summary>
    public static async Task RequireUserAsync(DbConnection connection, DbTransaction? transaction, long userId, CancellationToken cancellationToken)
    {
        long found = await connection.ScalarAsync<long>(transaction, "SELECT COUNT(*) FROM users WHERE id = @u", cancellationToken, ("@u", userId)).ConfigureAwait(false);
        if (found == 0)
        {
            throw OnlineException.NotFound($"No user {userId}.");
        }
    }
}
