using Demo;
using Demo.Console;
using Demo.Run;

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine(DemoOptions.Usage);
    return 2;
}

// The live dashboard needs a terminal; redirected output (logs, CI, pipes) gets plain lines.
IDemoView view = options.Headless || Console.IsOutputRedirected || !Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive
    ? new HeadlessView(Console.Out)
    : new DashboardView(options);

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C ends play and still writes the report; a second one ends the process at once.
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        stop.Cancel();
    }
};

var report = await new DemoRunner(options, view).RunAsync(stop.Token);
return report.ExitCode;
