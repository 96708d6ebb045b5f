using System.Numerics;
using BenchmarkDotNet.Attributes;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Bench.Prediction;

/// <summary>A benchmark player's input.</summary>
[NetInput]
public struct BenchInput
{
    [Range(-1, 1)]
    [Bits(10)]
    public float X;

    [Range(-1, 1)]
    [Bits(10)]
    public float Y;
}

/// <summary>A predicted body.</summary>
public struct BenchBody
{
    public Vector2 Position;
    public Vector2 Velocity;
}

/// <summary>
/// The cost of re-simulation after a correction: 100 predicted entities replayed through the
/// prediction group for 10 ticks (a 150 ms RTT at 60 Hz), per replayed tick.
/// </summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private const int ReplayedTicks = 10;
    private World world = null!;
    private ClientPrediction<BenchInput, BenchInputSerializer> prediction = null!;
    private NetworkClient client = null!;

    /// <summary>Builds a client world with 100 predicted bodies and 10 ticks of input history.</summary>
    [GlobalSetup]
    public void Setup()
    {
        world = World.Create();
        var registry = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Bench.GeneratedNetworkSchema.Instance]);
        var transport = new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { Insecure = true });
        client = new NetworkClient(world, transport, registry);
        for (int i = 0; i < 100; i++)
        {
            world.Create(new BenchBody { Position = new Vector2(i, 0) });
        }

        prediction = new ClientPrediction<BenchInput, BenchInputSerializer>(
            client,
            new Group<float>("predicted", new MoveBodies(world)),
            new QueryDescription().WithAll<BenchBody>(),
            tick => new BenchInput { X = MathF.Sin(tick), Y = 0.5f });
        prediction.PredictedTick = 1000 + ReplayedTicks + 1;
        prediction.Replay(1000);
    }

    /// <summary>Releases the world.</summary>
    [GlobalCleanup]
    public void Cleanup() => world.Dispose();

    /// <summary>Re-simulates 10 ticks of 100 entities.</summary>
    [Benchmark(OperationsPerInvoke = ReplayedTicks)]
    public int ReplayTenTicks() => prediction.Replay(1000);

    private sealed class MoveBodies(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription bodies = new QueryDescription().WithAll<BenchBody>();

        public override void Update(in float dt)
        {
            var input = World.Resources.Get<PredictionContext<BenchInput>>().Input;
            var push = new Vector2(input.X, input.Y) * dt;
            foreach (ref var chunk in World.Query(in bodies))
            {
                foreach (ref var body in chunk.GetSpan<BenchBody>())
                {
                    body.Velocity = (body.Velocity * 0.98f) + push;
                    body.Position += body.Velocity * dt;
                }
            }
        }
    }
}
