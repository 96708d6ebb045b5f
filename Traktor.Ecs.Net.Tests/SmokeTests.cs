using Traktor.Ecs;

namespace Traktor.Ecs.Net.Tests;

public class SmokeTests
{
    private struct P { public float X; }
    private struct V { public float X; }

    [Fact]
    public void MovesEntities()
    {
        using var world = World.Create();
        var e = world.Create();
        var f = world.Create(new P { X = 1 }, new V { X = 2 });
        world.Add(e, new P { X = 5 });
        var q = new QueryDescription().WithAll<P, V>();
        world.Query(in q, (ref P p, ref V v) => p.X += v.X);
        Assert.Equal(3, world.Get<P>(f).X);
        Assert.Equal(5, world.Get<P>(e).X);
        Assert.Equal(1, world.CountEntities(in q));
    }
}
