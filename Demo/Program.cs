using Demo;
using Demo.Console;
using Demo.Run;
using System.Runtime.InteropServices;
using Traktor.Ecs.Net;

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

if (options.Mode == DemoMode.GameServer)
{
    using var drain = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true; // drain, then exit when the last session has ended
        drain.Cancel();
    };
    return await Demo.Fleet.GameServerMode.RunAsync(options, Console.Out, drain.Token);
}

if (options.Mode == DemoMode.Introducer)
{
    using var stopIntroducer = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stopIntroducer.Cancel();
    };
    using var terminateIntroducer = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stopIntroducer.Cancel();
    });
    return await Demo.Run.DemoNat.RunIntroducerAsync(options, Console.Out, stopIntroducer.Token);
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

// SIGTERM (docker stop, systemd, kill) ends the run the same way in every mode: play stops, the report is written,
// the process exits. Registered here, before the in-process backend's host installs its own handler, which would
// otherwise swallow the signal to stop only itself.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

try
{
    var report = await new DemoRunner(options, view).RunAsync(stop.Token);
    return report.ExitCode;
}
catch (AddressInUseException exception)
{
    Console.Error.WriteLine($"demo: {exception.Message}");
    return 2;
}
catch (Traktor.Ecs.Net.Scripting.LuaScriptException exception)
{
    // A --script that does not compile: say where, as a compiler would.
    Console.Error.WriteLine($"--script: {exception.Error}");
    return 2;
}
