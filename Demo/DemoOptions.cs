using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using Demo.Run;
using Traktor.Ecs.Net;

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

    /// <summary>Snapshots per second to each bot (the server ticks at <see cref="Game.Arena.TickRate"/>).</summary>
    public int SnapshotRate { get; init; } = Game.Arena.SnapshotRate;
    public TransportKind Transport { get; init; } = TransportKind.Udp;
    /// <summary>The live profiler's HTTP port on 127.0.0.1 (0: any free one); null turns it off.</summary>
    public int? ProfilerPort { get; init; } = 0;

    /// <summary>The backend a <c>--game-server</c> registers with.</summary>
    public string? BackendAddress { get; init; }

    /// <summary>Sessions one game server hosts at most.</summary>
    public int MaxSessions { get; init; } = 8;

    /// <summary>Players one game server accepts in all.</summary>
    public int MaxPlayers { get; init; } = 64;

    /// <summary>Seconds a draining <c>--game-server</c> waits for a backend that answers nothing before it exits anyway (code 3).</summary>
    public double DrainTimeoutSeconds { get; init; } = 60;

    /// <summary>Seconds a draining <c>--game-server</c> lets its sessions run before it ends them; null waits until they end.</summary>
    public double? DrainSessionsTimeoutSeconds { get; init; }

    /// <summary>A game server's label in the fleet.</summary>
    public string? ServerName { get; init; }

    /// <summary>Game-server processes of a fleet run (<c>--servers</c>).</summary>
    public int Servers { get; init; }

    /// <summary>Sessions the bots of a fleet run fill (each takes bots / sessions players).</summary>
    public int Sessions { get; init; } = 6;

    /// <summary>Kill one game-server process with SIGKILL halfway through a fleet run.</summary>
    public bool Chaos { get; init; }

    /// <summary>The stated time from the kill to the killed server's players playing elsewhere (<c>--recovery-budget</c>); the run fails beyond it.</summary>
    public double RecoveryBudgetSeconds { get; init; } = 5;

    /// <summary><c>--nat KIND</c>: the host (and every bot) sits behind a simulated NAT of this kind and is reached through an introducer.</summary>
    public Traktor.Ecs.Net.NatKind? Nat { get; init; }

    /// <summary>The introducer a <c>--nat</c> process registers with (a <c>--host</c> starts its own when none is given).</summary>
    [JsonIgnore]
    public IPEndPoint? IntroducerAddress { get; init; }

    /// <summary>The rendezvous id a <c>--client --nat</c> presents to reach the host (the host prints it).</summary>
    public Guid? Rendezvous { get; init; }

    /// <summary>The port <c>--introducer</c> listens on when none is given (STUN's).</summary>
    public const int DefaultIntroducerPort = 3478;

    /// <summary>A Lua pilot that flies every bot instead of the built-in brain (<c>--script</c>).</summary>
    public string? ScriptPath { get; init; }

    /// <summary>
    /// <c>--accounts NAME</c> with <c>--backend</c>: the bots play as <c>NAME-01</c>, <c>NAME-02</c>, … every run instead of new
    /// accounts each run, so only the first run registers them (within the deployment's <c>Online:AccountsPerAddressPerDay</c>).
    /// </summary>
    public string? Accounts { get; init; }

    /// <summary>Longest <c>--accounts</c> prefix: with its <c>-NN</c> it stays well inside the backend's username length.</summary>
    public const int MaxAccountsPrefixLength = 24;

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Traktor.Ecs.Net demo: a profiled multiplayer arena.

          dotnet run --project Demo -c Release [options]

          (no options)        online backend + server + 8 bots over loopback UDP for 30 s
          --server            only the dedicated server (insecure mode), on --port (default 27960)
          --host              a listen server: the host's own pilot plays in the server world (no network hop), with
                              --bots N bots; other processes join with --client (insecure mode, --port default 27960)
          --client host:port  only the bots, connecting to a --server elsewhere (loopback only)
          --nat KIND          with --host or --client: the host and every bot sit behind their own simulated NAT (full-cone,
                              address-restricted, port-restricted or symmetric) and meet through an introducer: punched,
                              or relayed when a symmetric NAT defeats punching (docs/P2P.md)
          --introducer        only a NAT-traversal introducer and relay on --port (default 3478), for --duration seconds
          --introducer-address host:port
                              the introducer of a --nat run (loopback only; --host starts its own without it)
          --rendezvous ID     the rendezvous id a --client --nat presents (the --host prints the whole command line)
          --bots N            number of bot clients (default 8)
          --latency MS        simulated round-trip time in ms (default 100)
          --loss PERCENT      simulated packet loss per direction (default 2)
          --duration S        seconds of play (default 30)
          --asteroids N       rocks in the field (default 60)
          --snapshot-rate HZ  snapshots per second to each client (default 60, every tick; 30 halves the bytes)
          --port N            port of the server (default: any free one; 27960 with --server)
          --transport KIND    udp (default), websocket or tcp: how bots and server talk (the same with --client); a fleet's
                              game servers listen on UDP and on KIND (the same port number), and its bots use KIND
          --game-server       one fleet game server: registers with --backend URL and hosts the sessions placed on it
                              (keys from TRAKTOR_SERVER_KEY and TRAKTOR_GAME_SERVER_KEY; SIGTERM drains it)
          --backend URL       the online backend a --game-server registers with; without --game-server, only --bots
                              that log in there and quick-join the fleet's sessions (a deployed fleet, checked end to end)
          --accounts NAME     with --backend: the bots play as NAME-01, NAME-02, … each run (registered by the first run
                              only; a deployment registers 20 accounts a day per address by default, docs/demo.md);
                              their passwords are derived from TRAKTOR_BOTS_SECRET (16+ characters, kept secret)
          --max-sessions N    sessions a --game-server hosts at most (default 8)
          --max-players N     players a --game-server accepts in all (default 64)
          --name NAME         a --game-server's label in the fleet
          --drain-timeout S   seconds a draining --game-server waits for a backend that answers nothing (default 60);
                              then it exits with code 3, naming the sessions it still hosted
          --drain-sessions-timeout S
                              seconds a draining --game-server lets its sessions run (default: until they end);
                              then it ends them (players told at once) and exits 0 with a drain-timed-out line
          --servers N         a fleet: the backend here, N --game-server processes, bots that quick-join sessions
          --sessions N        sessions the fleet's bots fill (default 6; each holds bots / N players)
          --chaos             kill one fleet game server with SIGKILL halfway through; its players must play elsewhere
          --recovery-budget S seconds the killed server's players may take to play again (default 5)
          --headless          plain text lines instead of the live dashboard
          --profiler-port N   the live browser profiler's port on 127.0.0.1 (default: any free one; the URL is printed)
          --no-profiler       no live browser profiler
          --out DIR           where the report, capture and database go (default: a new temp folder)
          --script FILE.lua   fly every bot with a Lua pilot (sandboxed; example: Demo/scripts/pilot.lua)
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
                "--host" => options with { Mode = DemoMode.Host },
                "--client" => options with { Mode = DemoMode.Client, ServerAddress = ParseLoopback(Value(), "--client") },
                "--nat" => options with { Nat = ParseNat(Value()) },
                "--introducer" => options with { Mode = DemoMode.Introducer },
                "--introducer-address" => options with { IntroducerAddress = ParseLoopback(Value(), "--introducer-address") },
                "--rendezvous" => options with { Rendezvous = Guid.TryParse(Value(), out var rendezvous) ? rendezvous : throw new ArgumentException("--rendezvous needs the id the host printed.") },
                "--bots" => options with { Bots = ParseInt(arg, Value(), 0, 64) },
                "--latency" => options with { RoundTripMs = ParseDouble(arg, Value(), 0, 2000) },
                "--loss" => options with { LossPercent = ParseDouble(arg, Value(), 0, 50) },
                "--duration" => options with { DurationSeconds = ParseDouble(arg, Value(), 1, 3600) },
                "--asteroids" => options with { Asteroids = ParseInt(arg, Value(), 0, 2000) },
                "--snapshot-rate" => options with { SnapshotRate = ParseInt(arg, Value(), 1, Game.Arena.TickRate) },
                "--port" => options with { Port = ParseInt(arg, Value(), 1, 65535) },
                "--game-server" => options with { Mode = DemoMode.GameServer },
                "--backend" => options with { BackendAddress = Value() },
                "--max-sessions" => options with { MaxSessions = ParseInt(arg, Value(), 1, 256) },
                "--max-players" => options with { MaxPlayers = ParseInt(arg, Value(), 1, 4096) },
                "--name" => options with { ServerName = Value() },
                "--drain-timeout" => options with { DrainTimeoutSeconds = ParseDouble(arg, Value(), 1, 86_400) },
                "--drain-sessions-timeout" => options with { DrainSessionsTimeoutSeconds = ParseDouble(arg, Value(), 1, 86_400) },
                "--servers" => options with { Mode = DemoMode.Fleet, Servers = ParseInt(arg, Value(), 1, 16) },
                "--sessions" => options with { Sessions = ParseInt(arg, Value(), 1, 64) },
                "--chaos" => options with { Chaos = true },
                "--recovery-budget" => options with { RecoveryBudgetSeconds = ParseDouble(arg, Value(), 1, 120) },
                "--headless" => options with { Headless = true },
                "--profiler-port" => options with { ProfilerPort = ParseInt(arg, Value(), 1, 65535) },
                "--no-profiler" => options with { ProfilerPort = null },
                "--transport" => options with { Transport = ParseTransport(Value()) },
                "--out" => options with { OutputFolder = Value() },
                "--script" => options with { ScriptPath = ParseScript(Value()) },
                "--accounts" => options with { Accounts = ParseAccounts(Value()) },
                _ => throw new ArgumentException($"Unknown option '{arg}'."),
            };
        }

        if (options.Mode == DemoMode.All && options.BackendAddress is not null)
        {
            options = options with { Mode = DemoMode.Players };
        }

        if (options.Mode == DemoMode.Players && !Uri.TryCreate(options.BackendAddress, UriKind.Absolute, out _))
        {
            throw new ArgumentException($"--backend needs the backend's URL (http://host:port), not '{options.BackendAddress}'.");
        }

        if (options.Accounts is not null && options.Mode != DemoMode.Players)
        {
            throw new ArgumentException("--accounts names the accounts of bots that play at a deployed backend: give it with --backend URL (and no --game-server).");
        }

        if (options.Chaos && (options.Mode != DemoMode.Fleet || options.Servers < 2))
        {
            throw new ArgumentException("--chaos needs a fleet of at least two servers (--servers 2 or more): the killed server's players play on the others.");
        }

        if (options.Nat is not null && options.Mode is not (DemoMode.Host or DemoMode.Client))
        {
            throw new ArgumentException("--nat goes with --host or --client.");
        }

        if (options.Nat is not null && options.Transport != TransportKind.Udp)
        {
            throw new ArgumentException("--nat works over UDP only.");
        }

        if (options.Mode == DemoMode.Client && options.Nat is not null && (options.Rendezvous is null || options.IntroducerAddress is null))
        {
            throw new ArgumentException("--client --nat needs --introducer-address and --rendezvous (the --host prints them).");
        }

        if (options.Mode == DemoMode.Introducer && options.Port == 0)
        {
            options = options with { Port = DefaultIntroducerPort };
        }

        if (options.Mode is DemoMode.Server or DemoMode.Host && options.Port == 0)
        {
            options = options with { Port = DefaultServerPort };
        }

        return options;
    }

    private static Traktor.Ecs.Net.NatKind ParseNat(string text) => text.ToLowerInvariant() switch
    {
        "full-cone" => Traktor.Ecs.Net.NatKind.FullCone,
        "address-restricted" => Traktor.Ecs.Net.NatKind.AddressRestricted,
        "port-restricted" => Traktor.Ecs.Net.NatKind.PortRestricted,
        "symmetric" => Traktor.Ecs.Net.NatKind.Symmetric,
        _ => throw new ArgumentException($"--nat must be full-cone, address-restricted, port-restricted or symmetric, not '{text}'."),
    };

    /// <summary>The <c>--nat</c> spelling of a kind.</summary>
    public static string NatName(Traktor.Ecs.Net.NatKind kind) => kind switch
    {
        Traktor.Ecs.Net.NatKind.FullCone => "full-cone",
        Traktor.Ecs.Net.NatKind.AddressRestricted => "address-restricted",
        Traktor.Ecs.Net.NatKind.PortRestricted => "port-restricted",
        _ => "symmetric",
    };

    private static IPEndPoint ParseLoopback(string text, string option)
    {
        string normalized = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text["localhost".Length..] : text;
        if (!IPEndPoint.TryParse(normalized, out var endPoint) || endPoint.Port == 0)
        {
            throw new ArgumentException($"{option} needs host:port, not '{text}'.");
        }

        // The demo is a local showcase; it never sends traffic off this machine.
        if (!IPAddress.IsLoopback(endPoint.Address))
        {
            throw new ArgumentException($"{option} only connects to loopback addresses (127.0.0.1, ::1), not {endPoint.Address}.");
        }

        return endPoint;
    }

    private static TransportKind ParseTransport(string text) =>
        DemoTransports.Names.TryGetValue(text, out var kind)
            ? kind
            : throw new ArgumentException($"--transport must be one of {string.Join(", ", DemoTransports.Names.Keys)}, not '{text}'.");

    private static string ParseAccounts(string prefix) =>
        prefix.Length is > 0 and <= MaxAccountsPrefixLength && prefix.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            ? prefix
            : throw new ArgumentException($"--accounts needs 1 to {MaxAccountsPrefixLength} lowercase letters, digits or '-', not '{prefix}'.");

    private static string ParseScript(string path) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new ArgumentException($"--script: there is no file '{path}'.");

    private static int ParseInt(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}, not '{text}'.");

    private static double ParseDouble(string name, string text, double min, double max) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name} must be a number from {min} to {max}, not '{text}'.");
}
