using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

public abstract class CloudSaveContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    [Fact]
    public async Task Put_get_list_and_delete_round_trip_binary_data()
    {
        await using var online = await StartAsync();
        byte[] data = [0, 1, 2, 255, 0, 39, 34, 92];
        var entry = await online.CloudSave.PutAsync(5, "slot-b", data, cancellationToken: Cancel);
        await online.CloudSave.PutAsync(5, "slot-a", new byte[] { 7 }, cancellationToken: Cancel);
        Assert.Equal(data.Length, entry.Size);
        Assert.Equal(OnlineTestSettings.Start, entry.UpdatedAt);
        var saved = await online.CloudSave.GetAsync(5, "slot-b", Cancel);
        Assert.Equal(data, saved!.Data);
        Assert.Equal(entry, saved.Entry);
        Assert.Equal(["slot-a", "slot-b"], (await online.CloudSave.ListAsync(5, Cancel)).Select(e => e.Slot));
        Assert.Empty(await online.CloudSave.ListAsync(6, Cancel));
        Assert.Null(await online.CloudSave.GetAsync(6, "slot-b", Cancel));

        Assert.True(await online.CloudSave.DeleteAsync(5, "slot-b", cancellationToken: Cancel));
        Assert.False(await online.CloudSave.DeleteAsync(5, "slot-b", cancellationToken: Cancel));
        Assert.Null(await online.CloudSave.GetAsync(5, "slot-b", Cancel));
        var empty = await online.CloudSave.PutAsync(5, "empty", ReadOnlyMemory<byte>.Empty, cancellationToken: Cancel);
        Assert.Equal(0, empty.Size);
        Assert.Empty((await online.CloudSave.GetAsync(5, "empty", Cancel))!.Data);
    }

    [Fact]
    public async Task Versions_give_last_write_wins_only_if_absent_and_exact_match()
    {
        await using var online = await StartAsync();
        var created = await online.CloudSave.PutAsync(1, "s", new byte[] { 1 }, CloudSaveVersion.IfAbsent, Cancel);
        await AssertErrorAsync(OnlineError.VersionConflict, () => online.CloudSave.PutAsync(1, "s", new byte[] { 2 }, CloudSaveVersion.IfAbsent, Cancel));
        var updated = await online.CloudSave.PutAsync(1, "s", new byte[] { 3 }, created.Version, Cancel);
        Assert.NotEqual(created.Version, updated.Version);
        await AssertErrorAsync(OnlineError.VersionConflict, () => online.CloudSave.PutAsync(1, "s", new byte[] { 4 }, created.Version, Cancel));
        var overwritten = await online.CloudSave.PutAsync(1, "s", new byte[] { 5 }, CloudSaveVersion.Any, Cancel);
        Assert.Equal([5], (await online.CloudSave.GetAsync(1, "s", Cancel))!.Data);

        await AssertErrorAsync(OnlineError.VersionConflict, () => online.CloudSave.DeleteAsync(1, "s", updated.Version, Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.CloudSave.DeleteAsync(1, "s", CloudSaveVersion.IfAbsent, Cancel));
        Assert.True(await online.CloudSave.DeleteAsync(1, "s", overwritten.Version, Cancel));
        await AssertErrorAsync(OnlineError.VersionConflict, () => online.CloudSave.DeleteAsync(1, "s", overwritten.Version, Cancel));
        await AssertErrorAsync(OnlineError.VersionConflict, () => online.CloudSave.PutAsync(1, "s", new byte[] { 6 }, overwritten.Version, Cancel));
        await online.CloudSave.PutAsync(1, "s", new byte[] { 7 }, CloudSaveVersion.IfAbsent, Cancel);
    }

    [Fact]
    public async Task Concurrent_only_if_absent_writes_let_exactly_one_win()
    {
        await using var online = await StartAsync();
        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await online.CloudSave.PutAsync(2, "race", new byte[] { (byte)i }, CloudSaveVersion.IfAbsent, Cancel);
                return true;
            }
            catch (OnlineException exception) when (exception.Error == OnlineError.VersionConflict)
            {
                return false;
            }
        })).ToList();
        bool[] outcomes = await Task.WhenAll(attempts);
        Assert.Equal(1, outcomes.Count(won => won));
        int winner = Array.IndexOf(outcomes, true);
        Assert.Equal([(byte)winner], (await online.CloudSave.GetAsync(2, "race", Cancel))!.Data);
    }

    [Fact]
    public async Task Quotas_on_slot_size_slot_count_and_total_bytes_are_enforced()
    {
        await using var online = await StartAsync();
        var quota = OnlineTestSettings.CloudSave;
        await AssertErrorAsync(OnlineError.QuotaExceeded, () => online.CloudSave.PutAsync(3, "big", new byte[quota.MaxBytesPerSlot + 1], cancellationToken: Cancel));
        int fullSlots = (int)(quota.MaxBytesPerPlayer / quota.MaxBytesPerSlot);
        for (int i = 0; i < fullSlots; i++)
        {
            await online.CloudSave.PutAsync(3, $"full{i}", new byte[quota.MaxBytesPerSlot], cancellationToken: Cancel);
        }
        await AssertErrorAsync(OnlineError.QuotaExceeded, () => online.CloudSave.PutAsync(3, "one-more", new byte[1], cancellationToken: Cancel));
        // Shrinking a slot frees bytes for another.
        await online.CloudSave.PutAsync(3, "full0", new byte[10], cancellationToken: Cancel);
        await online.CloudSave.PutAsync(3, "one-more", new byte[1], cancellationToken: Cancel);

        for (int i = 0; i < quota.MaxSlotsPerPlayer; i++)
        {
            await online.CloudSave.PutAsync(4, $"s{i}", new byte[1], cancellationToken: Cancel);
        }
        await AssertErrorAsync(OnlineError.QuotaExceeded, () => online.CloudSave.PutAsync(4, "extra", new byte[1], cancellationToken: Cancel));
        Assert.True(await online.CloudSave.DeleteAsync(4, "s0", cancellationToken: Cancel));
        await online.CloudSave.PutAsync(4, "extra", new byte[1], cancellationToken: Cancel);
    }

    [Fact]
    public async Task Bad_slot_names_and_versions_are_invalid()
    {
        await using var online = await StartAsync();
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.CloudSave.PutAsync(1, "", new byte[1], cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.CloudSave.PutAsync(1, "a/b", new byte[1], cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.CloudSave.PutAsync(1, "'; DROP TABLE cloud_saves;--", new byte[1], cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.CloudSave.PutAsync(1, new string('s', 65), new byte[1], cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.CloudSave.PutAsync(1, "ok", new byte[1], new string('v', 65), Cancel));
        await AssertErrorAsync(OnlineError.InvalidArgument, () => online.CloudSave.ListAsync(0, Cancel));
    }
}
