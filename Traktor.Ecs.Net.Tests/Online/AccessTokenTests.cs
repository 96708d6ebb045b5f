using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.Security;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>Access tokens: a token is bound to its session's user, and a signing-key rotation logs nobody out.</summary>
public sealed class AccessTokenTests
{
    private const string Password = "correct horse battery";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static AuthenticationService Service(OnlineDatabase database, TimeProvider time, byte[] key, params byte[][] previous) =>
        new(database, new AuthenticationOptions
        {
            TokenSigningKey = key,
            PreviousTokenSigningKeys = previous,
            PasswordHashing = OnlineTestSettings.FastHashing,
            AllowWeakPasswordHashingForTests = true,
        }, time);

    /// <summary>
    /// The embedded services took any 32 bytes, so a newcomer's <c>new byte[32]</c> signed tokens anyone could forge;
    /// the backend's configuration refused such keys, the library did not.
    /// </summary>
    [Theory]
    [InlineData("zeros")]
    [InlineData("repeated")]
    [InlineData("counting")]
    public async Task OpenSqliteAsync_refuses_a_signing_key_that_does_not_look_random_and_says_how_to_make_one(string kind)
    {
        byte[] weak = kind switch
        {
            "zeros" => new byte[32],
            "repeated" => Enumerable.Repeat((byte)0x5A, 48).ToArray(),
            _ => Enumerable.Range(0, 32).Select(i => (byte)(i % 8)).ToArray(),   // 8 symbols: 96 bits
        };
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => OnlineServices.OpenSqliteAsync(Path.Combine(directory, "online.db"),
                new OnlineServicesOptions { Authentication = new AuthenticationOptions { TokenSigningKey = weak } }, Cancel));
            Assert.Contains("RandomNumberGenerator.GetBytes(32)", refused.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => new AccessTokenCodec(RandomNumberGenerator.GetBytes(32), [weak]));
            _ = new AccessTokenCodec(RandomNumberGenerator.GetBytes(32), [RandomNumberGenerator.GetBytes(32)]);   // random keys pass
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task A_token_that_names_another_users_session_is_refused_even_with_a_valid_signature()
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            var time = new FakeTimeProvider(OnlineTestSettings.Start);
            await using var database = new SqliteOnlineDatabase(Path.Combine(directory, "online.db"), SqliteDurability.Normal);
            await database.MigrateAsync(Cancel);
            byte[] key = RandomNumberGenerator.GetBytes(32);
            var auth = Service(database, time, key);
            var victim = await auth.RegisterAsync("victim", Password, Cancel);
            await auth.RegisterAsync("attacker", Password, Cancel);
            var attacker = await auth.LoginAsync("attacker", Password, Cancel);
            var attackerSession = (await auth.ValidateAccessTokenAsync(attacker.AccessToken, Cancel)).SessionId;

            // Whoever holds the signing key (a leaked key, the Development key) still needs a live session of the victim.
            string forged = new AccessTokenCodec(key).Issue(victim.UserId, Convert.FromHexString(attackerSession), time.GetUtcNow(), time.GetUtcNow().AddMinutes(5));
            var refused = await Assert.ThrowsAsync<OnlineException>(() => auth.ValidateAccessTokenAsync(forged, Cancel));
            Assert.Equal(OnlineError.Unauthorized, refused.Error);
            Assert.Equal(attacker.UserId, (await auth.ValidateAccessTokenAsync(attacker.AccessToken, Cancel)).UserId);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Tokens_signed_with_a_previous_key_stay_valid_after_a_rotation_and_new_ones_use_the_new_key()
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            var time = new FakeTimeProvider(OnlineTestSettings.Start);
            await using var database = new SqliteOnlineDatabase(Path.Combine(directory, "online.db"), SqliteDurability.Normal);
            await database.MigrateAsync(Cancel);
            byte[] oldKey = RandomNumberGenerator.GetBytes(32);
            byte[] newKey = RandomNumberGenerator.GetBytes(32);
            var before = Service(database, time, oldKey);
            await before.RegisterAsync("rotor", Password, Cancel);
            var session = await before.LoginAsync("rotor", Password, Cancel);

            var rotated = Service(database, time, newKey, oldKey);
            Assert.Equal(session.UserId, (await rotated.ValidateAccessTokenAsync(session.AccessToken, Cancel)).UserId);
            var renewed = await rotated.RefreshAsync(session.RefreshToken, Cancel);

            // Once the old key is dropped, its tokens stop; the tokens issued after the rotation go on.
            var afterwards = Service(database, time, newKey);
            await Assert.ThrowsAsync<OnlineException>(() => afterwards.ValidateAccessTokenAsync(session.AccessToken, Cancel));
            Assert.Equal(session.UserId, (await afterwards.ValidateAccessTokenAsync(renewed.AccessToken, Cancel)).UserId);
            await Assert.ThrowsAsync<OnlineException>(() => before.ValidateAccessTokenAsync(renewed.AccessToken, Cancel));
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }
}
