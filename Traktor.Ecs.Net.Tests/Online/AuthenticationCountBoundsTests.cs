using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// The counts and queues of <see cref="AuthenticationOptions"/> have ranges, refused when the service is made with an
/// <see cref="ArgumentOutOfRangeException"/> naming the option (options4). Before, only their lower ends were checked (as an
/// <see cref="ArgumentException"/> naming "options", or by the hashing gate naming its own parameter): any number of
/// sessions per account, registrations per address, or password hashes at once (each holding Argon2's memory) and waiting
/// was taken, so the gate that keeps hashing from starving a node bounded nothing.
/// </summary>
public sealed class AuthenticationCountBoundsTests
{
    public static TheoryData<string, int> BadValues => new()
    {
        { nameof(AuthenticationOptions.MaxSessionsPerAccount), 0 },
        { nameof(AuthenticationOptions.MaxSessionsPerAccount), AuthenticationOptions.MaxSessionsPerAccountLimit + 1 },
        { nameof(AuthenticationOptions.AccountsPerAddressPerDay), 0 },
        { nameof(AuthenticationOptions.AccountsPerAddressPerDay), AuthenticationOptions.AccountsPerAddressPerDayLimit + 1 },
        { nameof(AuthenticationOptions.MaxConcurrentPasswordHashes), 0 },
        { nameof(AuthenticationOptions.MaxConcurrentPasswordHashes), AuthenticationOptions.MaxConcurrentPasswordHashesLimit + 1 },
        { nameof(AuthenticationOptions.MaxConcurrentPasswordHashes), int.MaxValue },
        { nameof(AuthenticationOptions.MaxQueuedPasswordHashes), -1 },
        { nameof(AuthenticationOptions.MaxQueuedPasswordHashes), AuthenticationOptions.MaxQueuedPasswordHashesLimit + 1 },
        { nameof(AuthenticationOptions.MaxQueuedPasswordHashes), int.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task The_service_refuses_the_value_when_it_is_made(string option, int value)
    {
        string directory = OnlineTestSettings.TempDirectory();
        await using var database = new SqliteOnlineDatabase(Path.Combine(directory, "not-migrated.db"));
        try
        {
            var options = OnlineTestSettings.Authentication();
            typeof(AuthenticationOptions).GetProperty(option)!.SetValue(options, value);

            var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new AuthenticationService(database, options));
            Assert.Equal(option, refused.ParamName);
            Assert.Contains(option + "Limit", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task The_limits_themselves_are_taken()
    {
        string directory = OnlineTestSettings.TempDirectory();
        await using var database = new SqliteOnlineDatabase(Path.Combine(directory, "not-migrated.db"));
        try
        {
            var options = OnlineTestSettings.Authentication();
            foreach (var (option, limit) in new[]
            {
                (nameof(AuthenticationOptions.MaxSessionsPerAccount), AuthenticationOptions.MaxSessionsPerAccountLimit),
                (nameof(AuthenticationOptions.AccountsPerAddressPerDay), AuthenticationOptions.AccountsPerAddressPerDayLimit),
                (nameof(AuthenticationOptions.MaxConcurrentPasswordHashes), AuthenticationOptions.MaxConcurrentPasswordHashesLimit),
                (nameof(AuthenticationOptions.MaxQueuedPasswordHashes), AuthenticationOptions.MaxQueuedPasswordHashesLimit),
            })
            {
                typeof(AuthenticationOptions).GetProperty(option)!.SetValue(options, limit);
            }

            Assert.NotNull(new AuthenticationService(database, options));
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }
}
