using Traktor.Ecs;
using Traktor.Ecs.Systems;

namespace Demo.Game;

/// <summary>Removes bullets whose time is up (through a command buffer: the world refuses structural changes mid-query).</summary>
public sealed class LifetimeSystem(World world, MatchState match) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription mortal = new QueryDescription().WithAll<Lifetime>();
    private readonly CommandBuffer commands = new();

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        if (match.Frozen)
        {
            return;
        }

        foreach (ref var chunk in World.Query(in mortal))
        {
            var lifetimes = chunk.GetSpan<Lifetime>();
            var entities = chunk.Entities;
            for (int i = 0; i < lifetimes.Length; i++)
            {
                lifetimes[i].Remaining -= deltaTime;
                if (lifetimes[i].Remaining <= 0f)
                {
                    commands.Destroy(entities[i]);
                }
            }
        }

        commands.Playback(World);
    }
}
