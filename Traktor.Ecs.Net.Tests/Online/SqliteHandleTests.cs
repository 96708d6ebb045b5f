using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

public sealed class SqliteHandleTests
{
    [Fact]
    public async Task A_disposed_database_leaves_no_handle_open_on_its_files()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads the process's open files from /proc/self/fd (Linux only)");
        string directory = OnlineTestSettings.TempDirectory();
        string path = Path.Combine(directory, "online.db");
        try
        {
            var database = new SqliteOnlineDatabase(path, SqliteDurability.Normal);
            await database.MigrateAsync(TestContext.Current.CancellationToken);
            Assert.NotEmpty(OpenHandlesUnder(directory)); // the pool keeps connections: the probe sees them
            await database.DisposeAsync();
            Assert.Empty(OpenHandlesUnder(directory));
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    private static List<string> OpenHandlesUnder(string directory)
    {
        var open = new List<string>();
        foreach (string descriptor in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(descriptor).LinkTarget is { } target && target.StartsWith(directory, StringComparison.Ordinal)) open.Add(target);
            }
            catch (IOException)
            {
                // closed while enumerating
            }
        }
        return open;
    }
}
