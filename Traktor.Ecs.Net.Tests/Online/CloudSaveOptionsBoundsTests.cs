using Traktor.Ecs.Net.Online.CloudSave;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// <see cref="CloudSaveOptions"/>' quotas have ranges, and a <see cref="CloudSaveService"/> refuses quotas outside them
/// when it is made, naming the quota (options4). Before, the service took any quota: zero or a negative one refused every
/// save as over quota, and <see cref="int.MaxValue"/> bytes a slot and <see cref="long.MaxValue"/> a player let one account
/// make the database keep as much as it could hold.
/// </summary>
public sealed class CloudSaveOptionsBoundsTests
{
    public static TheoryData<string, object> BadValues => new()
    {
        { nameof(CloudSaveOptions.MaxSlotsPerPlayer), 0 },
        { nameof(CloudSaveOptions.MaxSlotsPerPlayer), CloudSaveOptions.MaxSlotsPerPlayerLimit + 1 },
        { nameof(CloudSaveOptions.MaxBytesPerSlot), 0 },
        { nameof(CloudSaveOptions.MaxBytesPerSlot), -1 },
        { nameof(CloudSaveOptions.MaxBytesPerSlot), CloudSaveOptions.MaxBytesPerSlotLimit + 1 },
        { nameof(CloudSaveOptions.MaxBytesPerPlayer), 0L },
        { nameof(CloudSaveOptions.MaxBytesPerPlayer), 256L * 1024 - 1 }, // below one slot's default 256 KiB
        { nameof(CloudSaveOptions.MaxBytesPerPlayer), CloudSaveOptions.MaxBytesPerPlayerLimit + 1 },
        { nameof(CloudSaveOptions.MaxBytesPerPlayer), long.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task The_service_refuses_the_quota_when_it_is_made(string option, object value)
    {
        var options = new CloudSaveOptions();
        typeof(CloudSaveOptions).GetProperty(option)!.SetValue(options, value);
        await using var database = new SqliteOnlineDatabase(Path.Combine(Path.GetTempPath(), $"cloudsave-bounds-{Guid.NewGuid():N}.db"));

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new CloudSaveService(database, options));
        Assert.Equal(option, refused.ParamName);
        Assert.Contains(option, refused.Message, StringComparison.Ordinal);
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
        await using var database = new SqliteOnlineDatabase(Path.Combine(Path.GetTempPath(), $"cloudsave-bounds-{Guid.NewGuid():N}.db"));

        var service = new CloudSaveService(database, options);
        Assert.Equal(CloudSaveOptions.MaxBytesPerPlayerLimit, service.Options.MaxBytesPerPlayer);
    }
}
