using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Register-or-login costs one password hash, the unit of the sign-in budget, whether the account is new (its hash) or
/// exists (the verification); a new account's password was hashed a second time to log it in.
/// </summary>
public abstract class RegisterOrLogInHashingContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    [Fact]
    public async Task Register_or_login_hashes_the_password_once_for_a_new_account_and_for_an_existing_one()
    {
        await using var online = await StartAsync();
        var service = Assert.IsType<AuthenticationService>(online.Authentication);

        long before = service.Hashing.Hashed;
        var created = await service.RegisterOrLogInAsync("newcomer", Password, "203.0.113.7", Cancel);
        Assert.Equal(1, service.Hashing.Hashed - before);
        Assert.Equal(created.UserId, (await service.ValidateAccessTokenAsync(created.AccessToken, Cancel)).UserId);
        Assert.Equal("newcomer", created.Username);

        before = service.Hashing.Hashed;
        var again = await service.RegisterOrLogInAsync("Newcomer", Password, "203.0.113.7", Cancel);
        Assert.Equal(1, service.Hashing.Hashed - before);
        Assert.Equal(created.UserId, again.UserId);

        before = service.Hashing.Hashed;
        await AssertErrorAsync(OnlineError.Unauthorized, () => service.RegisterOrLogInAsync("newcomer", "not the password at all", "203.0.113.7", Cancel));
        Assert.Equal(1, service.Hashing.Hashed - before);

        // The new account's session is an ordinary one: it refreshes.
        var refreshed = await service.RefreshAsync(created.RefreshToken, Cancel);
        Assert.Equal(created.UserId, refreshed.UserId);
    }
}

public sealed class SqliteRegisterOrLogInHashingTests : RegisterOrLogInHashingContract<SqliteHarness>;

public sealed class PostgresRegisterOrLogInHashingTests : RegisterOrLogInHashingContract<PostgresHarness>;
