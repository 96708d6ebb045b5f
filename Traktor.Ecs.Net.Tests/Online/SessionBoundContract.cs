using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Attack review 19: every sign-in added a session and a refresh token, and every refresh another token row, each kept for
/// the refresh lifetime (30 days): at the sign-in budget (30 a minute) about 1.3 million rows per address. Now an account
/// holds at most <c>MaxSessionsPerAccount</c> sessions and a session one row however often it rotates.
/// </summary>
public abstract class SessionBoundContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    /// <summary>AuthenticationOptions.MaxSessionsPerAccount's default, which every harness keeps.</summary>
    private const int MaxSessions = 16;

    [Fact]
    public async Task Signing_in_again_and_again_keeps_a_bounded_number_of_sessions_and_a_new_device_still_signs_in()
    {
        await using var online = await StartAsync();
        var account = await online.Authentication.RegisterAsync("judy", Password, Cancel);
        var sessions = new List<AuthSession>();
        for (int i = 0; i < MaxSessions + 4; i++)
        {
            sessions.Add(await online.Authentication.LoginAsync("judy", Password, Cancel));
            online.Time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(MaxSessions, await CountRowsAsync(online, account.UserId) ?? MaxSessions);

        // The four signed in first are gone, access and refresh; the newest sixteen all work.
        foreach (var gone in sessions.Take(4))
        {
            await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.ValidateAccessTokenAsync(gone.AccessToken, Cancel));
            await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(gone.RefreshToken, Cancel));
        }
        var refreshed = new List<AuthSession>();
        foreach (var kept in sessions.Skip(4))
        {
            await online.Authentication.ValidateAccessTokenAsync(kept.AccessToken, Cancel);
            refreshed.Add(await online.Authentication.RefreshAsync(kept.RefreshToken, Cancel));
            online.Time.Advance(TimeSpan.FromSeconds(1));
        }

        // A logged-out session makes room before any live one: the next device's sign-in costs nobody else theirs.
        await online.Authentication.LogoutAsync(refreshed[6].AccessToken, Cancel);
        var newDevice = await online.Authentication.LoginAsync("judy", Password, Cancel);
        await online.Authentication.ValidateAccessTokenAsync(newDevice.AccessToken, Cancel);
        foreach (var live in refreshed.Where((_, i) => i != 6))
        {
            await online.Authentication.ValidateAccessTokenAsync(live.AccessToken, Cancel);
        }
        // With none logged out, the session refreshed longest ago makes room.
        var another = await online.Authentication.LoginAsync("judy", Password, Cancel);
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(refreshed[0].RefreshToken, Cancel));
        await online.Authentication.RefreshAsync(refreshed[1].RefreshToken, Cancel);
        await online.Authentication.RefreshAsync(another.RefreshToken, Cancel);
        Assert.Equal(MaxSessions, await CountRowsAsync(online, account.UserId) ?? MaxSessions);
    }

    [Fact]
    public async Task A_session_refreshed_many_times_holds_one_row_and_still_catches_its_oldest_token_replayed()
    {
        await using var online = await StartAsync();
        var account = await online.Authentication.RegisterAsync("kim", Password, Cancel);
        var first = await online.Authentication.LoginAsync("kim", Password, Cancel);
        var current = first;
        for (int i = 0; i < 40; i++)
        {
            online.Time.Advance(TimeSpan.FromMinutes(1));
            current = await online.Authentication.RefreshAsync(current.RefreshToken, Cancel);
        }
        Assert.Equal(1, await CountRowsAsync(online, account.UserId) ?? 1);
        await online.Authentication.ValidateAccessTokenAsync(current.AccessToken, Cancel);

        // The very first token, 40 rotations back, comes back (a thief's copy): the session dies for both holders.
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(first.RefreshToken, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(current.RefreshToken, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.ValidateAccessTokenAsync(current.AccessToken, Cancel));
    }

    [Fact]
    public async Task A_refresh_token_forged_to_look_spent_is_refused_without_revoking_the_session()
    {
        await using var online = await StartAsync();
        await online.Authentication.RegisterAsync("lou", Password, Cancel);
        var session = await online.Authentication.LoginAsync("lou", Password, Cancel);
        var current = await online.Authentication.RefreshAsync(session.RefreshToken, Cancel);

        // Anyone who saw a token knows its session and generation; without the key they cannot sign an earlier generation.
        string forged = WithGeneration(current.RefreshToken, 1);
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(forged, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(current.RefreshToken[..^2] + "AA", Cancel));
        var still = await online.Authentication.RefreshAsync(current.RefreshToken, Cancel);
        await online.Authentication.ValidateAccessTokenAsync(still.AccessToken, Cancel);
    }

    /// <summary>The token with its generation changed and its MAC kept (so no longer genuine).</summary>
    private static string WithGeneration(string token, long generation)
    {
        string[] parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        byte[] body = Base64Url.DecodeFromChars(parts[1]);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(16), generation);
        return parts[0] + "." + Base64Url.EncodeToString(body) + "." + parts[2];
    }

    /// <summary>The rows an account holds in the session and refresh-token tables, or null behind HTTP (the behaviour is checked there).</summary>
    private static async Task<long?> CountRowsAsync(OnlineTestContext online, long userId) =>
        online.Embedded is { } services
            ? await services.Database.ReadAsync(connection => connection.ScalarAsync<long>(null,
                "SELECT (SELECT COUNT(*) FROM auth_sessions WHERE user_id = @u) + " +
                "(SELECT COUNT(*) FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id WHERE s.user_id = @u)", Cancel, ("@u", userId)), Cancel)
            : null;
}

/// <summary>Refresh tokens issued before sessions kept them (rows of their own): still honoured once, and a replay still caught.</summary>
public abstract class LegacyRefreshTokenContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    [Fact]
    public async Task A_refresh_token_from_before_refreshes_once_into_the_new_format_and_its_replay_revokes_the_session()
    {
        await using var online = await StartAsync();
        var services = online.Embedded!;
        var account = await online.Authentication.RegisterAsync("mia", Password, Cancel);
        // The shape the older store issued: 32 random bytes, unpadded base64url (43 characters).
        string legacyToken = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        long now = online.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long expires = (online.Time.GetUtcNow() + OnlineTestSettings.RefreshTokenLifetime).ToUnixTimeMilliseconds();
        string sessionId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await services.Database.WriteAsync(async (connection, transaction) =>
        {
            // As migration 12 leaves a session of before: no hash, generation 0, the expiry of its newest token.
            await connection.ExecuteAsync(transaction, "INSERT INTO auth_sessions (id, user_id, created_at, revoked_at, refresh_expires_at) VALUES (@id, @u, @t, NULL, @e)",
                Cancel, ("@id", sessionId), ("@u", account.UserId), ("@t", now), ("@e", expires));
            return await connection.ExecuteAsync(transaction, "INSERT INTO refresh_tokens (token_hash, session_id, expires_at, used_at) VALUES (@h, @s, @e, NULL)",
                Cancel, ("@h", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(legacyToken)))), ("@s", sessionId), ("@e", expires));
        }, Cancel);

        var renewed = await online.Authentication.RefreshAsync(legacyToken, Cancel);
        Assert.StartsWith("r1.", renewed.RefreshToken, StringComparison.Ordinal);
        var again = await online.Authentication.RefreshAsync(renewed.RefreshToken, Cancel);
        await online.Authentication.ValidateAccessTokenAsync(again.AccessToken, Cancel);

        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(legacyToken, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(again.RefreshToken, Cancel));

        // A token of that shape the store never issued is unknown (it was looked up), not malformed.
        string? reason = null;
        await AssertErrorAsync(OnlineError.Unauthorized, () => services.Authentication.RefreshAsync(
            Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)), refused => reason = refused, Cancel));
        Assert.Equal("unknown", reason);

        // The spent row goes when it expires; the session (revoked) once its refresh token has expired too.
        online.Time.Advance(OnlineTestSettings.RefreshTokenLifetime + TimeSpan.FromDays(1));
        var pruned = await services.Maintenance.PruneAsync(Cancel);
        Assert.Equal((1, 1), (pruned.RefreshTokens, pruned.Sessions));
    }
}

public sealed class SqliteSessionBoundTests : SessionBoundContract<SqliteHarness>;
public sealed class PostgresSessionBoundTests : SessionBoundContract<PostgresHarness>;
public sealed class HttpSessionBoundTests : SessionBoundContract<HttpHarness>;
public sealed class SqliteLegacyRefreshTokenTests : LegacyRefreshTokenContract<SqliteHarness>;
public sealed class PostgresLegacyRefreshTokenTests : LegacyRefreshTokenContract<PostgresHarness>;
