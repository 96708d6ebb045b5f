using BenchmarkDotNet.Running;

// Run a subset with: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*Query*'
if (args is [Traktor.Ecs.Net.Bench.Serialization.CubeBandwidthReport.Argument])
{
    // Deterministic bandwidth table of the cube scenario (no timing): see docs/benchmarks.md.
    Traktor.Ecs.Net.Bench.Serialization.CubeBandwidthReport.Print();
    return 0;
}

if (args is [Traktor.Ecs.Net.Bench.Replication.CubeReplicationReport.Argument])
{
    // Deterministic bandwidth of the cube scene through the whole replication path.
    Traktor.Ecs.Net.Bench.Replication.CubeReplicationReport.Print();
    return 0;
}

if (args is [Traktor.Ecs.Net.Bench.Transport.HeadOfLineReport.Argument, ..])
{
    // Snapshot age over UDP, TCP and WebSocket; loss comes from the kernel (tools/measure-head-of-line.sh).
    Traktor.Ecs.Net.Bench.Transport.HeadOfLineReport.Print(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60);
    return 0;
}

if (args is [Traktor.Ecs.Net.Bench.Replication.ReplicationTickReport.Argument, ..])
{
    // The replication half of the capacity run without sockets: CPU per tick, for comparing builds quickly.
    Traktor.Ecs.Net.Bench.Replication.ReplicationTickReport.Print(args);
    return 0;
}

if (args is [Traktor.Ecs.Net.Bench.Capacity.CapacityRun.Argument, ..])
{
    // Server capacity over real UDP sockets: a server process and a load generator of real clients (docs/benchmarks.md).
    return Traktor.Ecs.Net.Bench.Capacity.CapacityRun.Run(args);
}

if (args is [Traktor.Ecs.Net.Bench.Capacity.CapacityServer.Argument, ..])
{
    return Traktor.Ecs.Net.Bench.Capacity.CapacityServer.Run(args);
}

if (args is [Traktor.Ecs.Net.Bench.Transport.EchoServerReport.Argument, ..])
{
    // Server CPU per message of a 60 Hz echo server beside LiteNetLib, real UDP clients on loopback (docs/benchmarks.md).
    return Traktor.Ecs.Net.Bench.Transport.EchoServerReport.Run(args);
}

if (args is [Traktor.Ecs.Net.Bench.Transport.PingPongLoop.Argument, ..])
{
    // The transport benchmark's ping-pong in a plain loop, for a profiler.
    return Traktor.Ecs.Net.Bench.Transport.PingPongLoop.Run(args);
}

if (args is [Traktor.Ecs.Net.Bench.Transport.IdleConnectionReport.Argument, ..])
{
    // The server's share of a tick with idle connections whose clients answer keep-alives, and their packets per second.
    return Traktor.Ecs.Net.Bench.Transport.IdleConnectionReport.Run(args);
}

if (args is [Traktor.Ecs.Net.Bench.Transport.TcpChurnAllocationReport.Argument, ..])
{
    // What a TCP connection's churn allocates, the client's share apart from the server's, by type.
    return Traktor.Ecs.Net.Bench.Transport.TcpChurnAllocationReport.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
