using Demo.Simulation;

int asteroids = 20_000;
int alive = LocalSimulation.Run(asteroids, ticks: 600, Console.Out);
return alive == asteroids ? 0 : 1;
