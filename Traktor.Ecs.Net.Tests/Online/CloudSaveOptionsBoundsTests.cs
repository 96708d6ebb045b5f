using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.CloudSave;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// <see cref="CloudSaveOptions"/>' quotas have ranges, and a <see cref="CloudSaveService"/> refuses quotas outside them
/// when it is made, naming the quota (options4). Before, the service took any quota: zero or a negative one refused every
/// save as over quota, and <see cref="int.MaxValue"/> bytes a slot and <see cref="long.MaxValue"/> a player let one account
/// make the database keep as much as it could hold.
/// </summary>
public sealed class CloudSaveOptionsBoundsTests : IDisposable
{
    // One folder per test, deleted after it: the databases were files left in the temp folder by every run.
    private readonly string directory = OnlineTestSettings.TempDirectory();

    private SqliteOnlineDatabase Database() => new(Path.Combine(directory, "cloudsave-bounds.db"));

    public void Dispose() => OnlineTestSettings.DeleteDirectory(directory);

    public static TheoryData<string, object> BadValues => new()
    {
        { nameof(CloudSaveOptions.MaxSlotsPerPlayer), 0 },
        { nameof(CloudSaveOptions.MaxSlotsPerPlayer), CloudSaveOptions.MaxSlotsPerPlayerLimit + 1 },
        { nameof(CloudSaveOptions.MaxBytesPerSlot), 0 },
        { nameof(CloudSaveOptions.MaxBytesPerSlot), -1 },
        { nameof(CloudSaveOptions.MaxBytesPerSlot), CloudSaveOptions.MaxBytesPerSlotLimit + 1 },
        { nameof(CloudSaveOptions.MaxBytesPerPlayer), 0L },
        { nameof(CloudSaveOptions.MaxBytesPerPlayer), -1L },
        { nameof(CloudSaveOptions.MaxBytesPerPlayer), CloudSaveOptions.MaxBytesPerPlayerLimit + 1 },
        { nameof(CloudSaveOptions.MaxBytesPerPlayer), long.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task The_service_refuses_the_quota_when_it_is_made(string option, object value)
    {
        var options = new CloudSaveOptions();
        typeof(CloudSaveOptions).GetProperty(option)!.SetValue(options, value);
        await using var database = Database();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new CloudSaveService(database, options));
        Assert.Equal(option, refused.ParamName);
        Assert.Contains(option, refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A player quota below the slot quota is a sound configuration (smaller saves still fit) and is taken; each save is held
    /// to both. Failed before (review 46): the service refused it, and a backend whose operator lowered only
    /// Online:MaxBytesPerPlayer under the default slot quota would not start.
    /// </summary>
    [Fact]
    public async Task A_player_quota_below_the_slot_quota_is_taken_and_both_are_enforced()
    {
        var options = new CloudSaveOptions { MaxBytesPerSlot = 256 * 1024, MaxBytesPerPlayer = 128 * 1024 };
        await using var database = Database();
        await database.MigrateAsync(TestContext.Current.CancellationToken);
        var service = new CloudSaveService(database, options);

        await service.PutAsync(7, "a", new byte[100 * 1024], cancellationToken: TestContext.Current.CancellationToken);
        var over = await Assert.ThrowsAsync<OnlineException>(() => service.PutAsync(7, "b", new byte[40 * 1024], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(OnlineError.QuotaExceeded, over.Error);
    }

    [Fact]
    public async Task The_limits_themselves_are_taken()
    {
        var options = new CloudSaveOptions
        {
            MaxSlotsPerPlayer = CloudSaveOptions.MaxSlotsPerPlayerLimit,
            MaxBytesPerSlot = CloudSaveOptions.MaxBytesPerSlotLimit,
            MaxBytesPerPlayer = CloudSaveOptions.MaxBytesPerPlayerLimit,
        };
        await using var database = Database();

        var service = new CloudSaveService(database, options);
        Assert.Equal(CloudSaveOptions.MaxBytesPerPlayerLimit, service.Options.MaxBytesPerPlayer);
    }
}
