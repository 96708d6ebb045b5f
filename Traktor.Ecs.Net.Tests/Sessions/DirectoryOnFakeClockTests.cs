using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// Tests of players joining through the session directory of online services on SQLite in a folder of their own, all on
/// one fake clock (the transport's, so NATs, timeouts and the directory's waits move together).
/// </summary>
public abstract class DirectoryOnFakeClockTests : IAsyncLifetime
{
    /// <summary>Every test account's password.</summary>
    protected const string Password = "correct horse battery";

    private readonly string folder = OnlineTestSettings.TempDirectory();

    /// <summary>The clock of the services, the transports and the NATs.</summary>
    protected FakeTimeProvider Time { get; } = new(TransportHarness.Start);

    /// <summary>The online services (accounts and the directory), open once the test starts.</summary>
    protected OnlineServices Services { get; private set; } = null!;

    /// <summary>The test's cancellation.</summary>
    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public async ValueTask InitializeAsync() =>
        Services = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(folder, "online.db"), SqliteDurability.Normal), SqliteDirectoryHarness.Options(Time));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        OnlineTestSettings.DeleteDirectory(folder);
        GC.SuppressFinalize(this);
    }
}
