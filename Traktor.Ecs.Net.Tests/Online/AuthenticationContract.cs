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
    public async Task Repeated_failures_delay_further_attempts_exponentially_and_then_the_password_works()
    {
        await using var online = await StartAsync();
        await online.Authentication.RegisterAsync("mallory", Password, Cancel);
        for (int i = 0; i <= OnlineTestSettings.Throttle.FreeFailuresPerAccountAndAddress; i++)
        {
            await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.LoginAsync("mallory", "guess " + i, Cancel));
        }

        // One failure past the free ones: a 1 s wait, during which even the right password is refused unchecked.
        var first = await AssertErrorAsync(OnlineError.RateLimited, () => online.Authentication.LoginAsync("mallory", Password, Cancel));
        Assert.InRange(first.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        online.Time.Advance(TimeSpan.FromSeconds(1));
        await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.LoginAsync("mallory", "guess again", Cancel));
        // The next failure doubles the wait: no hard lock, but guessing gets slow fast.
        var second = await AssertErrorAsync(OnlineError.RateLimited, () => online.Authentication.LoginAsync("mallory", Password, Cancel));
        Assert.InRange(second.RetryAfter!.Value, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2));
        online.Time.Advance(TimeSpan.FromSeconds(2));
        var session = await online.Authentication.LoginAsync("MALLORY", Password, Cancel);
        Assert.Equal("mallory", session.Username);
    }

    [Fact]
    public async Task Look_alike_usernames_are_one_name_or_refused()
    {
        await using var online = await StartAsync();
        var alice = await online.Authentication.RegisterAsync("Alice", Password, Cancel);
        Assert.Equal("Alice", alice.Username);
        // Case and width variants are the same name.
        foreach (string variant in new[] { "alice", "ALICE", "\uFF21\uFF4C\uFF49\uFF43\uFF45" })
        {
            await AssertErrorAsync(OnlineError.Conflict, () => online.Authentication.RegisterAsync(variant, Password, Cancel));
        }
        // Invisible, control, bidi and mixed-script characters, stray spaces and punctuation are refused outright.
        foreach (string bad in new[]
        {
            "Alice ", " Alice", "Al\u200Bice", "\u202EAlice", "Alice\n", "Al ice", "p\u0430ypal", "x\u0301\u0301\u0301", "_alice", "al..ice",
            "alice-", "A\u00ADlice", "\uE000alice", "alice\u2764", new string('x', Usernames.MaxLength + 1),
        })
        {
            await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Authentication.RegisterAsync(bad, Password, Cancel));
        }
        // The name logs in in any case or width and is shown as registered.
        var session = await online.Authentication.LoginAsync("\uFF41\uFF4C\uFF49\uFF43\uFF45", Password, Cancel);
        Assert.Equal(alice.UserId, session.UserId);
        Assert.Equal("Alice", session.Username);
        // Other scripts are welcome on their own.
        Assert.Equal("Ζήτα", (await online.Authentication.RegisterAsync("Ζήτα", Password, Cancel)).Username);
        Assert.Equal("山田_2", (await online.Authentication.RegisterAsync("山田_2", Password, Cancel)).Username);
        Assert.Equal("Bob", (await online.Authentication.RegisterAsync("\uFF22\uFF4F\uFF42", Password, Cancel)).Username);
    }

    [Fact]
    public async Task Sql_injection_strings_are_refused_as_usernames_and_fail_to_log_in_harmlessly()
    {
        await using var online = await StartAsync();
        string[] names = ["Robert'); DROP TABLE users;--", "' OR '1'='1", "\"; DELETE FROM auth_sessions; --", "名前\\%_'\""];
        foreach (string name in names)
        {
            await AssertErrorAsync(OnlineError.InvalidArgument, () => online.Authentication.RegisterAsync(name, Password, Cancel));
            await AssertErrorAsync(OnlineError.Unauthorized, () => online.Authentication.LoginAsync(name, "' OR '1'='1", Cancel));
        }
        var account = await online.Authentication.RegisterAsync("robert", Password, Cancel);
        Assert.Equal(account.UserId, (await online.Authentication.LoginAsync("robert", Password, Cancel)).UserId);
    }
}
