namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>The model test's structural changes made while an enumeration is open.</summary>
public partial class WorldModelTests
{
    private enum Pending
    {
        Add,
        Remove,
        Set,
    }

    /// <summary>
    /// Structural changes made while a chunk enumeration is open (as a system would inside a query):
    /// creates return final handles at once, destroys end handles at once, and everything else becomes
    /// visible, in order, when the enumeration ends. The model replays the recorded changes the same way.
    /// </summary>
    private static void ApplyDeferred(World world, Dictionary<int, Row> model, List<int> live, List<Entity> dead, Op op)
    {
        var random = new Random(op.Target);
        var rows = live.Select(id => model[id]).ToList(); // live and created, minus destroyed, during the batch
        var created = new List<Row>();
        var destroyed = new List<Row>();
        var recorded = new List<(Row Row, Pending Kind, int Component, int Value)>();
        int size = world.Size;
        Exception? failure = null;
        var iteration = world.Query(Queries[0]).GetEnumerator();
        try
        {
            Assert.True(world.IsIterating);
            for (int i = 0; i < op.Component; i++)
            {
                int kind = random.Next(6);
                int c = random.Next(4);
                int v = random.Next(100_000);
                if (kind == 0 || rows.Count == 0)
                {
                    var row = Create(world, random.Next(16), v, deferred: true);
                    Assert.True(world.IsAlive(row.Handle));
                    Assert.Throws<EntityPendingException>(() => world.Has<Position>(row.Handle));
                    Assert.False(world.TryGet<Position>(row.Handle, out _));
                    created.Add(row);
                    rows.Add(row);
                    size++;
                }
                else
                {
                    int index = random.Next(rows.Count);
                    var row = rows[index];
                    bool pending = created.Contains(row);
                    switch (kind)
                    {
                        case 1:
                            Mutate(world, OpKind.Destroy, row.Handle, 0, v);
                            Assert.False(world.IsAlive(row.Handle));
                            Assert.Throws<EntityNotAliveException>(() => world.Add(row.Handle, new Mass(1)));
                            rows.RemoveAt(index);
                            destroyed.Add(row);
                            size--;
                            break;
                        case 2:
                            Mutate(world, OpKind.Add, row.Handle, c, v);
                            recorded.Add((row, Pending.Add, c, v));
                            break;
                        case 3:
                            Mutate(world, OpKind.Remove, row.Handle, c, v);
                            recorded.Add((row, Pending.Remove, c, v));
                            break;
                        case 4 or 5 when pending:
                            // Recorded like a structural change (the entity has no storage yet); a ref
                            // write through Get would throw EntityPendingException, so set by value.
                            SetByValue(world, row.Handle, c, v);
                            recorded.Add((row, Pending.Set, c, v));
                            break;
                        default:
                            // A set of a stored entity is not structural: it happens at once, on what is stored.
                            if (row.HasComponent(c))
                            {
                                Mutate(world, OpKind.Set, row.Handle, c, v);
                                SetField(row, c, v, present: true);
                            }
                            else
                            {
                                Assert.Throws<ComponentNotFoundException>(() => Mutate(world, OpKind.Set, row.Handle, c, v));
                            }

                            break;
                    }
                }

                Assert.Equal(size, world.Size);
            }
        }
        finally
        {
            try
            {
                iteration.Dispose();
            }
            catch (EcsException ex)
            {
                failure = ex;
            }
        }

        Assert.False(world.IsIterating);

        // Replay: creates first in their order (their rows already hold their values), then the changes.
        bool expectFailure = false;
        foreach (var (row, kind, c, v) in recorded)
        {
            if (destroyed.Contains(row))
            {
                continue; // made moot by the later destroy
            }

            bool has = row.HasComponent(c);
            if (kind == Pending.Add ? has : !has)
            {
                expectFailure = true;
                continue;
            }

            SetField(row, c, v, present: kind != Pending.Remove);
        }

        Assert.True(expectFailure == (failure is not null), $"expected a failure at the end of the query: {expectFailure}, got {failure}");
        foreach (var row in created.Where(r => !destroyed.Contains(r)))
        {
            model.Add(row.Handle.Id, row);
            live.Add(row.Handle.Id);
        }

        foreach (var row in destroyed)
        {
            if (model.Remove(row.Handle.Id))
            {
                live.Remove(row.Handle.Id);
            }

            dead.Add(row.Handle);
        }
    }

    private static void SetByValue(World world, Entity e, int component, int v)
    {
        switch (component)
        {
            case 0: world.Set(e, MakeP(v)); break;
            case 1: e.Set(MakeH(v)); break;
            case 2: world.Set(e, (object)MakeL(v)); break;
            default: world.Set(e, new Bulky(v)); break;
        }
    }
}
