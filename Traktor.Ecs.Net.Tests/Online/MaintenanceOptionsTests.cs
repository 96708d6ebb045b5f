using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Maintenance settings are checked when they are set, so a bad one stops startup with the setting's name. Before, a
/// negative <see cref="OnlineMaintenance.LeaderboardPastPeriodsKept"/> was only refused by the first prune, after that run
/// had already deleted tokens, counters and keys, and a zero or negative retention was never refused: every idempotency key
/// (or every failed-login count) was deleted at each run.
/// </summary>
public sealed class MaintenanceOptionsTests
{
    public static TheoryData<string, Func<OnlineDatabase, OnlineMaintenance>> BadSettings => new()
    {
        { "LeaderboardPastPeriodsKept", database => new OnlineMaintenance(database) { LeaderboardPastPeriodsKept = -1 } },
        { "MaxLeaderboardRowsPrunedPerRun", database => new OnlineMaintenance(database) { MaxLeaderboardRowsPrunedPerRun = 0 } },
        { "MaxExpiredRowsPrunedPerRun", database => new OnlineMaintenance(database) { MaxExpiredRowsPrunedPerRun = 0 } },
        { "IdempotencyKeyRetention", database => new OnlineMaintenance(database) { IdempotencyKeyRetention = TimeSpan.Zero } },
        { "IdempotencyKeyRetention", database => new OnlineMaintenance(database) { IdempotencyKeyRetention = TimeSpan.FromDays(-30) } },
        { "LoginCounterRetention", database => new OnlineMaintenance(database) { LoginCounterRetention = TimeSpan.FromHours(-1) } },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_maintenance_setting_is_refused_when_set_with_its_name_before_the_store_is_touched(string setting, Func<OnlineDatabase, OnlineMaintenance> create)
    {
        // A store that was never migrated: before, such a setting was only refused by a prune run against it.
        string directory = OnlineTestSettings.TempDirectory();
        await using var database = new SqliteOnlineDatabase(Path.Combine(directory, "not-migrated.db"));
        try
        {
            var refused = Assert.Throws<ArgumentOutOfRangeException>(() => create(database));
            Assert.Equal(setting, refused.ParamName);
            Assert.Contains(setting + " must be", refused.Message);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public void The_services_options_refuse_a_negative_number_of_kept_periods_before_any_store_is_opened()
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new OnlineServicesOptions { LeaderboardPastPeriodsKept = -1 });
        Assert.Equal(nameof(OnlineServicesOptions.LeaderboardPastPeriodsKept), refused.ParamName);
        Assert.Equal(0, new OnlineServicesOptions { LeaderboardPastPeriodsKept = 0 }.LeaderboardPastPeriodsKept);
    }
}
