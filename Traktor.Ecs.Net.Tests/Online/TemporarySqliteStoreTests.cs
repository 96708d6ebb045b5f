using System.Security.Cryptography;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// <see cref="OnlineServices.OpenTemporarySqliteAsync"/>: the throwaway store samples and tests open, which leaves no
/// file behind however its <c>await using</c> scope ends (the Rally and OnlineMatch samples left one per run).
/// </summary>
public sealed class TemporarySqliteStoreTests
{
    private static OnlineServicesOptions Options() =>
        new() { Authentication = new() { TokenSigningKey = RandomNumberGenerator.GetBytes(32) } };

    [Fact]
    public async Task A_temporary_store_works_and_its_files_go_when_it_is_disposed()
    {
        var cancel = TestContext.Current.CancellationToken;
        string path;
        await using (var online = await OnlineServices.OpenTemporarySqliteAsync("temp-store-test", Options(), cancel))
        {
            path = ((SqliteOnlineDatabase)online.Database).Path;
            Assert.Equal(Path.GetFullPath(Path.GetTempPath()), Path.GetFullPath(Path.GetDirectoryName(path)! + Path.DirectorySeparatorChar));
            Assert.StartsWith($"temp-store-test-{Environment.ProcessId}-", Path.GetFileName(path), StringComparison.Ordinal);
            var account = await online.Authentication.RegisterAsync("alice", "correct horse battery", cancel);
            await online.CloudSave.PutAsync(account.UserId, "profile", new byte[] { 1, 2, 3 }, cancellationToken: cancel);
            Assert.True(File.Exists(path));
            Assert.True(File.Exists(path + "-wal"), "a write in WAL mode makes the -wal file: the test would not see it go");
        }

        Assert.Empty(FilesOf(path));
    }

    [Fact]
    public async Task A_scope_that_throws_still_deletes_the_store()
    {
        string? path = null;
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var online = await OnlineServices.OpenTemporarySqliteAsync("temp-store-test", Options(), TestContext.Current.CancellationToken);
            path = ((SqliteOnlineDatabase)online.Database).Path;
            await online.Leaderboards.DefineLeaderboardAsync(new("weekly"), TestContext.Current.CancellationToken);
            throw new InvalidOperationException("the game failed half way");
        });

        Assert.NotNull(path);
        Assert.Empty(FilesOf(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("games/rally")]
    [InlineData("nul\0")]
    public async Task A_name_that_is_not_a_plain_file_name_is_refused_before_any_file_exists(string name)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => OnlineServices.OpenTemporarySqliteAsync(name, Options(), TestContext.Current.CancellationToken));
        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public async Task A_name_longer_than_the_bound_is_refused_and_says_the_bound()
    {
        string name = new('a', SqliteOnlineDatabase.MaxTemporaryNameLength + 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => OnlineServices.OpenTemporarySqliteAsync(name, Options(), TestContext.Current.CancellationToken));
        Assert.Contains($"at most {SqliteOnlineDatabase.MaxTemporaryNameLength} characters", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), name + "*"));
    }

    private static string[] FilesOf(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*");
}
