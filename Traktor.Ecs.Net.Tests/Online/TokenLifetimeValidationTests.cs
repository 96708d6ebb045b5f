using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// The token lifetimes of <see cref="AuthenticationOptions"/> are checked when the service is made (attack review 28). Before,
/// none was: a zero or negative access or refresh lifetime issued tokens already expired, a zero connect-token lifetime made
/// every login throw after the password was checked, and <see cref="TimeSpan.MaxValue"/> overflowed the expiry at every
/// login. Each locked every player out at run time, with no word at startup.
/// </summary>
public sealed class TokenLifetimeValidationTests
{
    public static TheoryData<string, TimeSpan> BadLifetimes => new()
    {
        { nameof(AuthenticationOptions.AccessTokenLifetime), TimeSpan.Zero },
        { nameof(AuthenticationOptions.AccessTokenLifetime), TimeSpan.FromMinutes(-15) },
        { nameof(AuthenticationOptions.AccessTokenLifetime), TimeSpan.MaxValue },
        { nameof(AuthenticationOptions.RefreshTokenLifetime), TimeSpan.Zero },
        { nameof(AuthenticationOptions.RefreshTokenLifetime), TimeSpan.MaxValue },
        { nameof(AuthenticationOptions.ConnectTokenLifetime), TimeSpan.Zero },
        { nameof(AuthenticationOptions.ConnectTokenLifetime), TimeSpan.FromSeconds(-1) },
        { nameof(AuthenticationOptions.ConnectTokenLifetime), TimeSpan.FromHours(2) },
    };

    [Theory]
    [MemberData(nameof(BadLifetimes))]
    public async Task A_token_lifetime_that_locks_everyone_out_is_refused_when_the_service_is_made(string option, TimeSpan value)
    {
        string directory = OnlineTestSettings.TempDirectory();
        await using var database = new SqliteOnlineDatabase(Path.Combine(directory, "not-migrated.db"));
        try
        {
            var options = With(option, value);

            var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new AuthenticationService(database, options));
            Assert.Equal(option, refused.ParamName);
            Assert.Contains(option + " must be positive", refused.Message);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task The_longest_lifetimes_allowed_are_taken()
    {
        string directory = OnlineTestSettings.TempDirectory();
        await using var database = new SqliteOnlineDatabase(Path.Combine(directory, "not-migrated.db"));
        try
        {
            var baseline = OnlineTestSettings.Authentication();
            var options = new AuthenticationOptions
            {
                TokenSigningKey = baseline.TokenSigningKey,
                AccessTokenLifetime = TimeSpan.FromDays(3650),
                RefreshTokenLifetime = TimeSpan.FromDays(3650),
                ConnectTokenLifetime = TimeSpan.FromHours(1),
                PasswordHashing = baseline.PasswordHashing,
                AllowWeakPasswordHashingForTests = true,
                LoginThrottle = baseline.LoginThrottle,
            };

            Assert.NotNull(new AuthenticationService(database, options));
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    private static AuthenticationOptions With(string option, TimeSpan value)
    {
        var baseline = OnlineTestSettings.Authentication();
        return new AuthenticationOptions
        {
            TokenSigningKey = baseline.TokenSigningKey,
            PasswordHashing = baseline.PasswordHashing,
            AllowWeakPasswordHashingForTests = true,
            LoginThrottle = baseline.LoginThrottle,
            AccessTokenLifetime = option == nameof(AuthenticationOptions.AccessTokenLifetime) ? value : baseline.AccessTokenLifetime,
            RefreshTokenLifetime = option == nameof(AuthenticationOptions.RefreshTokenLifetime) ? value : baseline.RefreshTokenLifetime,
            ConnectTokenLifetime = option == nameof(AuthenticationOptions.ConnectTokenLifetime) ? value : baseline.ConnectTokenLifetime,
        };
    }
}
