using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>An ordinary gameplay system: a query over received <typeparamref name="T"/> RPC entities, recording them.</summary>
internal sealed class RpcRecorder<T> : ISystem<float>
    where T : struct
{
    private readonly World world;
    private readonly QueryDescription received = new QueryDescription().WithAll<T, RpcSource>();
    private readonly Action<T, RpcSource>? onReceived;

    public RpcRecorder(World world, Action<T, RpcSource>? onReceived = null)
    {
        this.world = world;
        this.onReceived = onReceived;
    }

    public List<(T Rpc, RpcSource Source)> Received { get; } = new();

    public void Initialize()
    {
    }

    public void BeforeUpdate(in float state)
    {
    }

    public void Update(in float state)
    {
        foreach (ref var chunk in world.Query(in received))
        {
            var rpcs = chunk.GetReadOnlySpan<T>();
            var sources = chunk.GetReadOnlySpan<RpcSource>();
            for (int i = 0; i < rpcs.Length; i++)
            {
                Received.Add((rpcs[i], sources[i]));
                onReceived?.Invoke(rpcs[i], sources[i]);
            }
        }
    }

    public void AfterUpdate(in float state)
    {
    }

    public void Dispose()
    {
    }
}
