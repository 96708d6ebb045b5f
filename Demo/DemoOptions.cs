using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;

namespace Demo;

/// <summary>The command line, parsed.</summary>
public sealed record DemoOptions
{
    /// <summary>The port <c>--server</c> listens on when none is given.</summary>
    public const int DefaultServerPort = 27960;

    public DemoMode Mode { get; init; } = DemoMode.All;
    public int Bots { get; init; } = 8;
    public double RoundTripMs { get; init; } = 100;
    public double LossPercent { get; init; } = 2;
    public double DurationSeconds { get; init; } = 30;
    public bool Headless { get; init; }
    public string? OutputFolder { get; init; }
    public int Port { get; init; }
    [JsonIgnore]
    public IPEndPoint? ServerAddress { get; init; }
    public int Asteroids { get; init; } = 60;

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Traktor.Ecs.Net demo: a profiled multiplayer arena.

          dotnet run --project Demo -c Release [options]

          (no options)        online backend + server + 8 bots over loopback UDP for 30 s
          --server            only the dedicated server (insecure mode), on --port (default 27960)
          --client host:port  only the bots, connecting to a --server elsewhere (loopback only)
          --bots N            number of bot clients (default 8)
          --latency MS        simulated round-trip time in ms (default 100)
          --loss PERCENT      simulated packet loss per direction (default 2)
          --duration S        seconds of play (default 30)
          --asteroids N       rocks in the field (default 60)
          --port N            UDP port of the server (default: any free one; 27960 with --server)
          --headless          plain text lines instead of the live dashboard
          --out DIR           where the report, capture and database go (default: a new temp folder)
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a readable message on a mistake.</summary>
    public static DemoOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DemoOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            options = arg switch
            {
                "--server" => options with { Mode = DemoMode.Server },
                "--client" => options with { Mode = DemoMode.Client, ServerAddress = ParseLoopback(Value()) },
                "--bots" => options with { Bots = ParseInt(arg, Value(), 0, 64) },
                "--latency" => options with { RoundTripMs = ParseDouble(arg, Value(), 0, 2000) },
                "--loss" => options with { LossPercent = ParseDouble(arg, Value(), 0, 50) },
                "--duration" => options with { DurationSeconds = ParseDouble(arg, Value(), 1, 3600) },
                "--asteroids" => options with { Asteroids = ParseInt(arg, Value(), 0, 2000) },
                "--port" => options with { Port = ParseInt(arg, Value(), 1, 65535) },
                "--headless" => options with { Headless = true },
                "--out" => options with { OutputFolder = Value() },
                _ => throw new ArgumentException($"Unknown option '{arg}'."),
            };
        }

        if (options.Mode == DemoMode.Server && options.Port == 0)
        {
            options = options with { Port = DefaultServerPort };
        }

        return options;
    }

    private static IPEndPoint ParseLoopback(string text)
    {
        string normalized = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text["localhost".Length..] : text;
        if (!IPEndPoint.TryParse(normalized, out var endPoint) || endPoint.Port == 0)
        {
            throw new ArgumentException($"--client needs host:port, not '{text}'.");
        }

        // The demo is a local showcase; it never sends traffic off this machine.
        if (!IPAddress.IsLoopback(endPoint.Address))
        {
            throw new ArgumentException($"--client only connects to loopback addresses (127.0.0.1, ::1), not {endPoint.Address}.");
        }

        return endPoint;
    }

    private static int ParseInt(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}, not '{text}'.");

    private static double ParseDouble(string name, string text, double min, double max) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name} must be a number from {min} to {max}, not '{text}'.");
}
