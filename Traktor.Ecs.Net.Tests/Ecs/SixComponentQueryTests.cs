namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// The generated query shapes at 6 components, of every kind — delegate, entity delegate, inline, inline entity,
/// parallel and inline parallel — visit exactly the matching entities, hand each its own row of every column, and
/// write back through the references.
/// </summary>
public class SixComponentQueryTests
{
    private static readonly QueryDescription Six = new QueryDescription().WithAll<Position, Velocity, Health, Mass, Team>().WithAll<Label>();

    private static World Populate(out List<Entity> six)
    {
        var world = World.Create();
        six = [];
        for (int i = 0; i < 300; i++)
        {
            six.Add(world.Create(new Position(i, 0), new Velocity(i, 0), new Health(i, 0), new Mass(i), new Team((byte)i), new Label("e" + i, i)));
            world.Create(new Position(i, 1), new Velocity(i, 1), new Health(i, 1), new Mass(i), new Team((byte)i)); // lacks Label
        }

        return world;
    }

    /// <summary>Every component of a row was derived from the same index, so a mixed-up column shows as a mismatch.</summary>
    private static void Bump(ref Position p, ref Velocity v, ref Health h, ref Mass m, ref Team t, ref Label l)
    {
        Assert.Equal(l.Priority, (int)p.X);
        Assert.Equal(l.Priority, (int)v.Dx);
        Assert.Equal(l.Priority, h.Value);
        Assert.Equal((byte)l.Priority, t.Id);
        p.Y++;
        v.Dy++;
        h.Max++;
        m.Value += 1000;
        l.Text += "!";
    }

    private static void AssertBumped(World world, List<Entity> six, int times)
    {
        foreach (var entity in six)
        {
            Assert.Equal(times, world.Get<Position>(entity).Y);
            Assert.Equal(times, world.Get<Velocity>(entity).Dy);
            Assert.Equal(times, world.Get<Health>(entity).Max);
            Assert.Equal(world.Get<Label>(entity).Priority + (1000 * times), world.Get<Mass>(entity).Value);
            Assert.EndsWith(new string('!', times), world.Get<Label>(entity).Text);
        }
    }

    [Fact]
    public void Delegate_entity_inline_and_parallel_shapes_of_six_components_visit_each_match_once()
    {
        using var world = Populate(out var six);
        var expected = six.ToHashSet();

        world.Query(in Six, (ref Position p, ref Velocity v, ref Health h, ref Mass m, ref Team t, ref Label l) => Bump(ref p, ref v, ref h, ref m, ref t, ref l));
        AssertBumped(world, six, 1);

        var seen = new List<Entity>();
        world.Query(in Six, (Entity e, ref Position p, ref Velocity v, ref Health h, ref Mass m, ref Team t, ref Label l) =>
        {
            seen.Add(e);
            Bump(ref p, ref v, ref h, ref m, ref t, ref l);
        });
        Assert.True(expected.SetEquals(seen) && seen.Count == six.Count);
        AssertBumped(world, six, 2);

        var inline = new Counting();
        world.InlineQuery<Counting, Position, Velocity, Health, Mass, Team, Label>(in Six, ref inline);
        Assert.Equal(six.Count, inline.Count);
        AssertBumped(world, six, 3);

        var inlineEntity = new CountingWithEntity { Seen = [] };
        world.InlineEntityQuery<CountingWithEntity, Position, Velocity, Health, Mass, Team, Label>(in Six, ref inlineEntity);
        Assert.True(expected.SetEquals(inlineEntity.Seen) && inlineEntity.Seen.Count == six.Count);
        AssertBumped(world, six, 4);

        int parallelCount = 0;
        world.ParallelQuery(in Six, (ref Position p, ref Velocity v, ref Health h, ref Mass m, ref Team t, ref Label l) =>
        {
            Interlocked.Increment(ref parallelCount);
            Bump(ref p, ref v, ref h, ref m, ref t, ref l);
        });
        Assert.Equal(six.Count, parallelCount);
        AssertBumped(world, six, 5);

        var parallelInline = new Counting();
        world.InlineParallelQuery<Counting, Position, Velocity, Health, Mass, Team, Label>(in Six, ref parallelInline);
        AssertBumped(world, six, 6);
    }

    private struct Counting : IForEach<Position, Velocity, Health, Mass, Team, Label>
    {
        public int Count;

        public void Update(ref Position p, ref Velocity v, ref Health h, ref Mass m, ref Team t, ref Label l)
        {
            Count++;
            Bump(ref p, ref v, ref h, ref m, ref t, ref l);
        }
    }

    private struct CountingWithEntity : IForEachWithEntity<Position, Velocity, Health, Mass, Team, Label>
    {
        public List<Entity> Seen;

        public void Update(Entity entity, ref Position p, ref Velocity v, ref Health h, ref Mass m, ref Team t, ref Label l)
        {
            Seen.Add(entity);
            Bump(ref p, ref v, ref h, ref m, ref t, ref l);
        }
    }
}
