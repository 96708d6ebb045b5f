using CsCheck;

namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Which id a new entity gets: the id freed longest ago first, as Arch's queue of recycled ids hands them
/// out, and a fresh id only when none is free. Code ported from Arch (and Arch's own tests) relies on that order.
/// </summary>
public class EntityIdReuseOrderTests
{
    [Fact]
    public void Freed_ids_are_reused_in_the_order_they_were_freed_then_fresh_ids_follow()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 6).Select(_ => world.Create(new Health(1, 1))).ToArray();
        world.Destroy(entities[4]);
        world.Destroy(entities[1]);
        world.Destroy(entities[3]);

        var reused = Enumerable.Range(0, 4).Select(_ => world.Create(new Health(2, 2))).ToArray();

        Assert.Equal([4, 1, 3, 6], reused.Select(e => e.Id));
        Assert.Equal([2, 2, 2, 1], reused.Select(e => e.Version));
        Assert.All(reused, e => Assert.Equal(new Health(2, 2), world.Get<Health>(e)));
    }

    [Fact]
    public void Many_freed_ids_keep_their_order_while_the_free_list_grows_and_wraps()
    {
        using var world = World.Create();
        var entities = Enumerable.Range(0, 300).Select(_ => world.Create()).ToArray();
        for (int i = 0; i < 50; i++)
        {
            world.Destroy(entities[i]);                          // 0..49 freed
        }

        var first = Enumerable.Range(0, 30).Select(_ => world.Create()).ToArray();   // takes 0..29
        for (int i = 299; i >= 100; i--)
        {
            world.Destroy(entities[i]);                          // 299..100 freed behind 30..49: grows past 64
        }

        var rest = Enumerable.Range(0, 221).Select(_ => world.Create()).ToArray();

        Assert.Equal(Enumerable.Range(0, 30), first.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(30, 20).Concat(Enumerable.Range(100, 200).Reverse()).Append(300), rest.Select(e => e.Id));
    }

    [Fact]
    public void Creates_and_destroys_in_any_order_reuse_ids_as_a_queue_with_versions_counting_up()
    {
        var ops = Gen.Frequency((3, Gen.Const(-1)), (2, Gen.Int[0, 63])).Array[1, 200];
        ops.Sample(sequence =>
        {
            using var world = World.Create();
            var live = new List<Entity>();
            var free = new Queue<int>();
            var versions = new Dictionary<int, int>();
            int next = 0;
            foreach (var op in sequence)
            {
                if (op < 0 || live.Count == 0)
                {
                    int expected = free.Count > 0 ? free.Dequeue() : next++;
                    versions[expected] = versions.GetValueOrDefault(expected) + 1;
                    var entity = world.Create(new Position(expected, 0));
                    Assert.Equal(expected, entity.Id);
                    Assert.Equal(versions[expected], entity.Version);
                    live.Add(entity);
                }
                else
                {
                    var victim = live[op % live.Count];
                    live.Remove(victim);
                    world.Destroy(victim);
                    free.Enqueue(victim.Id);
                }
            }

            Assert.Equal(live.Count, world.Size);
            Assert.All(live, e => Assert.Equal(new Position(e.Id, 0), world.Get<Position>(e)));
        }, iter: 200);
    }
}
