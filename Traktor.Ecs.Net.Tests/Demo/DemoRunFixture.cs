using Demo;
using Demo.Console;
using Demo.Run;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>One short headless run of the whole demo (backend, server, bots), shared by the tests that read its report.</summary>
public sealed class DemoRunFixture : IAsyncLifetime
{
    public const int Bots = 4;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "traktor-demo-tests", Guid.NewGuid().ToString("N"));

    public StringWriter Output { get; } = new();

    public RunReport Report { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var options = new DemoOptions { Headless = true, Bots = Bots, DurationSeconds = 4, OutputFolder = Folder };
        Report = await new DemoRunner(options, new HeadlessView(Output)).RunAsync(CancellationToken.None);
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a pooled SQLite connection is left for the OS's temp cleanup.
        }

        return ValueTask.CompletedTask;
    }
}
