using System.Text;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

public abstract class AuthenticationContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    [Fact]
    public async Task Register_then_login_hands_out_access_refresh_and_connect_tokens()
    {
        await using var online = await StartAsync();
        var account = await online.Authentication.RegisterAsync("alice", Password, Cancel);
        Assert.True(account.UserId > 0);
        Assert.Equal("alice", account.Username);

        var session = await online.Authentication.LoginAsync("alice", Password, Cancel);
        Assert.Equal(account.UserId, session.UserId);
        Assert.Equal(OnlineTestSettings.Start + OnlineTestSettings.AccessTokenLifetime, session.AccessTokenExpiresAt);
        Assert.Equal(OnlineTestSettings.Start + OnlineTestSettings.RefreshTokenLifetime, session.RefreshTokenExpiresAt);
        var claims = await online.Authentication.ValidateAccessTokenAsync(session.AccessToken, Cancel);
        Assert.Equal(account.UserId, claims.UserId);

        var connect = online.ConnectTokens!.Verify(session.ConnectToken);
        Assert.NotNull(connect);
        Assert.Equal(account.UserId, connect.Value.UserId);
        Assert.Equal("alice", Encoding.UTF8.GetString(connect.Value.UserData));
    }

    [Fact]
    public async Task A_taken_username_is_a_conflict_and_bad_input_is_invalid()
    {
        await using var online = await StartAsync();
        await online.Authentication.RegisterAsync("bob", Password, Cancel);
        await AssertErrorAsync(OnlineError.Conflict, () => online.Authentication.RegisterAsync("bob", "another password", Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Authentication.RegisterAsync("", Password, Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Authentication.RegisterAsync("carol", "short", Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Authentication.RegisterAsync(new string('x', 65), Password, Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Authentication.RegisterAsync("bell\u0007", Password, Cancel));
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_are_unauthorized()
    {
        await using var online = await StartAsync();
        await online.Authentication.RegisterAsync("dave", Password, Cancel);
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.LoginAsync("dave", "wrong password", Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.LoginAsync("nobody", Password, Cancel));
    }

    [Fact]
    public async Task Refresh_rotates_and_reusing_a_spent_refresh_token_revokes_the_session()
    {
        await using var online = await StartAsync();
        await online.Authentication.RegisterAsync("erin", Password, Cancel);
        var first = await online.Authentication.LoginAsync("erin", Password, Cancel);
        online.Time.Advance(TimeSpan.FromMinutes(1));

        var second = await online.Authentication.RefreshAsync(first.RefreshToken, Cancel);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(first.UserId, second.UserId);
        Assert.NotNull(online.ConnectTokens!.Verify(second.ConnectToken));
        await online.Authentication.ValidateAccessTokenAsync(second.AccessToken, Cancel);

        // The spent token comes back (a thief replaying it): the whole session dies, for the thief and the owner.
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(first.RefreshToken, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(second.RefreshToken, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.ValidateAccessTokenAsync(second.AccessToken, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync("not-a-token", Cancel));
    }

    [Fact]
    public async Task Logout_revokes_the_sessions_access_and_refresh_tokens_only()
    {
        await using var online = await StartAsync();
        await online.Authentication.RegisterAsync("frank", Password, Cancel);
        var phone = await online.Authentication.LoginAsync("frank", Password, Cancel);
        var console = await online.Authentication.LoginAsync("frank", Password, Cancel);

        await online.Authentication.LogoutAsync(phone.AccessToken, Cancel);

        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.ValidateAccessTokenAsync(phone.AccessToken, Cancel));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(phone.RefreshToken, Cancel));
        await online.Authentication.ValidateAccessTokenAsync(console.AccessToken, Cancel);
    }

    [Fact]
    public async Task Expired_tokens_are_refused()
    {
        await using var online = await StartAsync();
        await online.Authentication.RegisterAsync("grace", Password, Cancel);
        var session = await online.Authentication.LoginAsync("grace", Password, Cancel);

        online.Time.Advance(OnlineTestSettings.AccessTokenLifetime);
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.ValidateAccessTokenAsync(session.AccessToken, Cancel));
        var renewed = await online.Authentication.RefreshAsync(session.RefreshToken, Cancel);
        await online.Authentication.ValidateAccessTokenAsync(renewed.AccessToken, Cancel);

        online.Time.Advance(OnlineTestSettings.RefreshTokenLifetime);
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(renewed.RefreshToken, Cancel));
    }

    [Fact]
    public async Task Forged_and_malformed_access_tokens_are_refused()
    {
        await using var online = await StartAsync();
        var victim = await online.Authentication.RegisterAsync("heidi", Password, Cancel);
        await online.Authentication.RegisterAsync("ivan", Password, Cancel);
        var attacker = await online.Authentication.LoginAsync("ivan", Password, Cancel);
        string token = attacker.AccessToken;
        int dot = token.LastIndexOf('.');

        // Same payload, a flipped signature character.
        char flipped = token[dot + 1] == 'A' ? 'B' : 'A';
        string badSignature = token[..(dot + 1)] + flipped + token[(dot + 2)..];
        // The victim's user id in the payload, the attacker's signature.
        byte[] payload = System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(3, dot - 3));
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload, victim.UserId);
        string swappedUser = "v1." + System.Buffers.Text.Base64Url.EncodeToString(payload) + token[dot..];
        // A well-formed token signed with some other key.
        var otherKey = new Traktor.Ecs.Net.Online.Security.AccessTokenCodec(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string otherSigner = otherKey.Issue(victim.UserId, new byte[16], online.Time.GetUtcNow(), online.Time.GetUtcNow().AddHours(1));

        foreach (string forged in new[] { badSignature, swappedUser, otherSigner, "", "v1.", "v1..", "garbage", "v1.!!!.@@@", token[..^2] + "xx", token[..^1] + "*", new string('A', 5000), token + "x" })
        {
            await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.ValidateAccessTokenAsync(forged, Cancel));
        }
        await online.Authentication.ValidateAccessTokenAsync(token, Cancel);
    }

    [Fact]
    public async Task Revoking_a_users_sessions_refuses_all_their_tokens()
    {
        await using var online = await StartAsync();
        var account = await online.Authentication.RegisterAsync("judy", Password, Cancel);
        var one = await online.Authentication.LoginAsync("judy", Password, Cancel);
        var two = await online.Authentication.LoginAsync("judy", Password, Cancel);

        await online.Authentication.RevokeUserSessionsAsync(account.UserId, Cancel);

        foreach (var session in new[] { one, two })
        {
            await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.ValidateAccessTokenAsync(session.AccessToken, Cancel));
            await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.RefreshAsync(session.RefreshToken, Cancel));
        }
        var fresh = await online.Authentication.LoginAsync("judy", Password, Cancel);
        await online.Authentication.ValidateAccessTokenAsync(fresh.AccessToken, Cancel);
    }

    [Fact]
    public async Task A_login_flood_locks_the_account_out_until_the_lockout_ends()
    {
        await using var online = await StartAsync();
        await online.Authentication.RegisterAsync("mallory", Password, Cancel);
        for (int i = 0; i < OnlineTestSettings.MaxFailuresPerAccount; i++)
        {
            await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.LoginAsync("mallory", "guess " + i, Cancel));
        }

        // Even the right password is refused while locked, so a flood learns nothing.
        var locked = await AssertErrorAsync(OnlineError.RateLimited, () => online.Authentication.LoginAsync("mallory", Password, Cancel));
        Assert.NotNull(locked.RetryAfter);
        Assert.InRange(locked.RetryAfter.Value, TimeSpan.FromMinutes(14), OnlineTestSettings.Lockout + TimeSpan.FromSeconds(1));

        online.Time.Advance(OnlineTestSettings.Lockout + TimeSpan.FromSeconds(1));
        var session = await online.Authentication.LoginAsync("mallory", Password, Cancel);
        Assert.True(session.UserId > 0);
    }

    [Fact]
    public async Task Sql_injection_strings_are_stored_and_returned_verbatim_as_usernames()
    {
        await using var online = await StartAsync();
        string[] names = ["Robert'); DROP TABLE users;--", "' OR '1'='1", "\"; DELETE FROM auth_sessions; --", "名前\\%_'\""];
        foreach (string name in names)
        {
            var account = await online.Authentication.RegisterAsync(name, Password, Cancel);
            Assert.Equal(name, account.Username);
            var session = await online.Authentication.LoginAsync(name, Password, Cancel);
            Assert.Equal(name, session.Username);
            Assert.Equal(account.UserId, session.UserId);
        }
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.LoginAsync("' OR '1'='1", "' OR '1'='1", Cancel));
    }
}
