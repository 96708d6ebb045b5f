using BenchmarkDotNet.Running;

// Run a subset with: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*Query*'
if (args is [Traktor.Ecs.Net.Bench.Serialization.CubeBandwidthReport.Argument])
{
    // Deterministic bandwidth table of the cube scenario (no timing): see docs/benchmarks.md.
    Traktor.Ecs.Net.Bench.Serialization.CubeBandwidthReport.Print();
    return;
}

if (args is [Traktor.Ecs.Net.Bench.Replication.CubeReplicationReport.Argument])
{
    // Deterministic bandwidth of the cube scene through the whole replication path.
    Traktor.Ecs.Net.Bench.Replication.CubeReplicationReport.Print();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
