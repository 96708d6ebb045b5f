using Demo;
using Demo.Fleet;

namespace Traktor.Ecs.Net.Tests.Demo;

public class DemoOptionsTests
{
    [Fact]
    public void No_arguments_mean_the_full_demo_with_its_documented_defaults()
    {
        var options = DemoOptions.Parse([]);
        Assert.Equal(DemoMode.All, options.Mode);
        Assert.Equal(8, options.Bots);
        Assert.Equal(100, options.RoundTripMs);
        Assert.Equal(2, options.LossPercent);
        Assert.Equal(30, options.DurationSeconds);
        Assert.False(options.Headless);
        Assert.Equal(TransportKind.Udp, options.Transport);
        Assert.Equal(0, options.ProfilerPort); // the live profiler on 127.0.0.1, any free port
    }

    [Fact]
    public void The_live_profiler_takes_a_port_or_is_turned_off()
    {
        Assert.Equal(8090, DemoOptions.Parse(["--profiler-port", "8090"]).ProfilerPort);
        Assert.Null(DemoOptions.Parse(["--no-profiler"]).ProfilerPort);
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--profiler-port", "70000"]));
    }

    [Fact]
    public void Every_option_is_parsed()
    {
        var options = DemoOptions.Parse(["--client", "127.0.0.1:4000", "--bots", "3", "--latency", "40", "--loss", "5.5", "--duration", "7", "--headless", "--out", "/tmp/x"]);
        Assert.Equal(DemoMode.Client, options.Mode);
        Assert.Equal(4000, options.ServerAddress!.Port);
        Assert.Equal((3, 40.0, 5.5, 7.0, true, "/tmp/x"), (options.Bots, options.RoundTripMs, options.LossPercent, options.DurationSeconds, options.Headless, options.OutputFolder));
        Assert.Equal(DemoOptions.DefaultServerPort, DemoOptions.Parse(["--server"]).Port);
        Assert.Equal(TransportKind.WebSocket, DemoOptions.Parse(["--transport", "websocket"]).Transport);
        Assert.Equal(TransportKind.Tcp, DemoOptions.Parse(["--transport", "TCP"]).Transport);
    }

    [Fact]
    public void A_fleet_run_is_chosen_by_its_server_count_and_chaos_needs_survivors()
    {
        var fleet = DemoOptions.Parse(["--servers", "3", "--sessions", "6", "--bots", "24", "--chaos"]);
        Assert.Equal((DemoMode.Fleet, 3, 6, 24, true), (fleet.Mode, fleet.Servers, fleet.Sessions, fleet.Bots, fleet.Chaos));
        Assert.Equal(5, fleet.RecoveryBudgetSeconds);
        Assert.Equal(20, DemoOptions.Parse(["--servers", "2", "--chaos", "--recovery-budget", "20"]).RecoveryBudgetSeconds);
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--servers", "2", "--recovery-budget", "0"]));
        Assert.Equal(6, DemoOptions.Parse(["--servers", "2"]).Sessions);
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--chaos"]));
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--servers", "1", "--chaos"]));
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--servers", "0"]));
    }

    [Fact]
    public void A_nat_run_names_its_kind_and_a_joining_client_names_the_introducer_and_the_rendezvous()
    {
        var host = DemoOptions.Parse(["--host", "--nat", "port-restricted"]);
        Assert.Equal((DemoMode.Host, NatKind.PortRestricted, (System.Net.IPEndPoint?)null), (host.Mode, host.Nat, host.IntroducerAddress));
        var rendezvous = Guid.NewGuid();
        var client = DemoOptions.Parse(["--client", "127.0.0.1:4000", "--nat", "symmetric", "--introducer-address", "127.0.0.1:3478", "--rendezvous", rendezvous.ToString()]);
        Assert.Equal((NatKind.Symmetric, 3478, rendezvous), (client.Nat, client.IntroducerAddress!.Port, client.Rendezvous));
        Assert.Equal(DemoOptions.DefaultIntroducerPort, DemoOptions.Parse(["--introducer"]).Port);
        Assert.Equal(DemoMode.Introducer, DemoOptions.Parse(["--introducer", "--port", "5000"]).Mode);
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--client", "127.0.0.1:4000", "--nat", "symmetric"]));          // no introducer, no rendezvous
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--nat", "full-cone"]));                                      // only with --host or --client
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--host", "--nat", "carrier-grade"]));
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--host", "--nat", "symmetric", "--transport", "tcp"]));
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--host", "--nat", "symmetric", "--introducer-address", "192.0.2.1:3478"])); // loopback only
    }

    [Theory]
    [InlineData("websocket", TransportKind.WebSocket)]
    [InlineData("tcp", TransportKind.Tcp)]
    public void A_fleet_game_server_given_a_stream_transport_listens_on_it_beside_UDP_and_announces_both(string name, TransportKind kind)
    {
        // Found deploying the fleet: --game-server --transport tcp registered and listened on UDP, as if the option were not
        // there; the directory then took UDP addresses only. Now the stream listens beside UDP and both are announced.
        var options = DemoOptions.Parse(["--game-server", "--transport", name]);
        using var socket = GameServerMode.Listen(options, System.Net.IPAddress.Loopback, new global::Demo.Telemetry.DemoLog());
        var composite = Assert.IsType<CompositeTransport>(socket);
        Assert.Equal([TransportKind.Udp, kind], composite.LocalAddresses.Select(a => a.Kind));

        Assert.True(GameServerMode.TryPublicAddresses(null, socket, out var addresses, out _));
        Assert.Equal(composite.LocalAddresses.Select(a => $"127.0.0.1:{a.Port}"), addresses.Select(a => a.ToEndPoint().ToString()));
        Assert.Equal([TransportKind.Udp, kind], addresses.Select(a => a.Kind));

        // TRAKTOR_PUBLIC_ADDRESS names the UDP address only: the stream is announced at its IP and the bound port.
        Assert.True(GameServerMode.TryPublicAddresses("203.0.113.7:27961", socket, out addresses, out _));
        Assert.Equal(["203.0.113.7:27961", NetAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("203.0.113.7"), composite.LocalAddresses.Last().Port), kind).ToString()],
            addresses.Select(a => a.ToString()));
        Assert.True(GameServerMode.TryPublicAddresses(" 203.0.113.7:27961 , ws://203.0.113.7:443,tcp://203.0.113.7:27961", socket, out addresses, out _));
        Assert.Equal(3, addresses.Length);
        Assert.False(GameServerMode.TryPublicAddresses("0.0.0.0:27961", socket, out _, out string? problem));
        Assert.Contains("TRAKTOR_PUBLIC_ADDRESS", problem);
        Assert.False(GameServerMode.TryPublicAddresses("game.example:27961", socket, out _, out _));

        Assert.Equal(DemoMode.GameServer, DemoOptions.Parse(["--game-server", "--transport", "udp"]).Mode);
        Assert.Equal(TransportKind.Tcp, DemoOptions.Parse(["--servers", "2", "--transport", "tcp"]).Transport);
    }

    [Theory]
    [InlineData("--client", "192.168.1.10:4000")]
    [InlineData("--client", "nohost")]
    [InlineData("--bots", "-1")]
    [InlineData("--loss", "abc")]
    [InlineData("--frobnicate", "1")]
    [InlineData("--transport", "carrier-pigeon")]
    public void Mistakes_are_refused_with_a_message(string name, string value) =>
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse([name, value]));
}
