namespace Traktor.Ecs.Net.Rpc;

/// <summary>Destroys the event entities of one tick: received RPCs and connection events.</summary>
internal sealed class RpcEventCleanup
{
    private readonly QueryDescription[] queries;
    private readonly List<Entity> doomed = new();

    /// <summary>Creates the cleanup for entities matching any of <paramref name="queries"/>.</summary>
    /// <param name="queries">One query per kind of event entity.</param>
    public RpcEventCleanup(params QueryDescription[] queries) => this.queries = queries;

    /// <summary>Destroys every matching entity.</summary>
    /// <param name="world">The world.</param>
    public void Run(World world)
    {
        doomed.Clear();
        foreach (var query in queries)
        {
            foreach (ref var chunk in world.Query(in query))
            {
                foreach (var entity in chunk.Entities)
                {
                    doomed.Add(entity);
                }
            }
        }

        foreach (var entity in doomed)
        {
            world.Destroy(entity);
        }
    }
}
