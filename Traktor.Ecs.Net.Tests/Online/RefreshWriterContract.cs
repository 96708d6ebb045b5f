using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Tests.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Attack review 32: a refresh token of a well-formed shape that the store does not hold (random characters of the legacy
/// shape, an <c>r1.</c> token naming no session, or one with a forged MAC) is refused after a read-only look-up, without
/// the writer's turn (SQLite's single writer, rows locked with <c>FOR UPDATE</c> on PostgreSQL). Before, each one opened
/// a write transaction. Only a refresh that writes takes the writer: a rotation, or revoking the session of a reused token.
/// Writes are counted from <c>traktor.online.store.duration</c>'s <c>write</c> measurements made in this test's own flow.
/// </summary>
public abstract class RefreshWriterContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    [Fact]
    public async Task Well_shaped_forged_refresh_tokens_are_refused_without_taking_the_writer()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        await online.Authentication.RegisterAsync("nell", Password, Cancel);
        var session = await online.Authentication.LoginAsync("nell", Password, Cancel);
        using var recorder = MeasurementRecorder.ForThisFlow(OnlineMetrics.MeterName);

        string[] forged =
        [
            Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)), // the legacy shape, no such row
            WithBody(session.RefreshToken, body => RandomNumberGenerator.Fill(body.AsSpan(0, 16))), // names no session
            WithBody(session.RefreshToken, body => BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(16), 7)), // MAC no longer genuine
            WithBody(session.RefreshToken, body => RandomNumberGenerator.Fill(body.AsSpan(24))), // not the session's current token
        ];
        string[] reasons = ["unknown", "unknown", "invalid", "invalid"];
        for (int i = 0; i < forged.Length; i++)
        {
            Assert.Equal((reasons[i], 0), await RefreshRefusedAsync(auth, recorder, forged[i]));
        }

        // The controls: a rotation takes the writer once, and so does revoking the session when its spent token comes back.
        int before = Writes(recorder);
        var rotated = await auth.RefreshAsync(session.RefreshToken, null, Cancel);
        Assert.Equal(1, Writes(recorder) - before);
        Assert.Equal(("reused", 1), await RefreshRefusedAsync(auth, recorder, session.RefreshToken));
        // The session is now revoked for good: its current token is refused from the look-up alone.
        Assert.Equal(("revoked", 0), await RefreshRefusedAsync(auth, recorder, rotated.RefreshToken));
    }

    [Fact]
    public async Task Refreshes_of_one_token_at_once_rotate_it_once_and_the_rest_revoke_the_session()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        await online.Authentication.RegisterAsync("otto", Password, Cancel);
        var session = await online.Authentication.LoginAsync("otto", Password, Cancel);

        // Two holders of one token (the owner and a thief) refreshing at once: one of them wins the rotation, and every
        // other is a reuse of a spent token, found whether its read-only look-up ran before or after the winner's write.
        const int Holders = 8;
        var reasons = new string?[Holders];
        var attempts = Enumerable.Range(0, Holders).Select(i => Task.Run(async () =>
        {
            try
            {
                return await auth.RefreshAsync(session.RefreshToken, why => reasons[i] = why, Cancel);
            }
            catch (OnlineException refused) when (refused.Error == OnlineError.Unauthorized)
            {
                return null;
            }
        }, Cancel)).ToArray();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, result => result is not null)!;
        Assert.All(reasons.Where((_, i) => results[i] is null), reason => Assert.Contains(reason, new[] { "reused", "revoked" }));
        Assert.Contains("reused", reasons);
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(winner.RefreshToken, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.ValidateAccessTokenAsync(winner.AccessToken, Cancel));
    }

    /// <summary>Refreshes with a token the store must refuse: the reason given and the write transactions it took.</summary>
    private static async Task<(string? Reason, int Writes)> RefreshRefusedAsync(Traktor.Ecs.Net.Online.Authentication.AuthenticationService auth,
        MeasurementRecorder recorder, string token)
    {
        int before = Writes(recorder);
        string? reason = null;
        await AssertErrorAsync(OnlineError.Unauthorized, () => auth.RefreshAsync(token, why => reason = why, Cancel));
        return (reason, Writes(recorder) - before);
    }

    private static int Writes(MeasurementRecorder recorder) =>
        recorder.Of("traktor.online.store.duration").Count(m => m.Tags.GetValueOrDefault(OnlineMetrics.OperationTag) as string == "write");

    /// <summary>An <c>r1.</c> token with its body (session id, generation, random bytes) changed and its MAC kept.</summary>
    private static string WithBody(string token, Action<byte[]> change)
    {
        string[] parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        byte[] body = Base64Url.DecodeFromChars(parts[1]);
        change(body);
        return parts[0] + "." + Base64Url.EncodeToString(body) + "." + parts[2];
    }
}

public sealed class SqliteRefreshWriterTests : RefreshWriterContract<SqliteHarness>;
public sealed class PostgresRefreshWriterTests : RefreshWriterContract<PostgresHarness>;
