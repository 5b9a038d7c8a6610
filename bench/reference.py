#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: gen-mnist's presets rebuilt layer for layer in PyTorch, with
the same configuration (batch norm, label smoothing, dropout, n_critic, gradient penalty, optimizers,
batch size), trained the same way: batches drawn from a 60,000-image tensor in a shuffled order,
one `trainStep` per batch (for WGAN-GP, a critic update each step and a generator update every
fifth). Times are milliseconds per step, the mean over whole n_critic cycles: at least --steps
steps and --min-seconds seconds of them.

Usage: python3 bench/reference.py --threads 2 --steps 10 [--min-seconds 3] [--models dcgan,wgan-gp]  → one JSON object.
Install on Debian: apt-get install python3-torch libopenblas0-pthread
"""
import argparse
import json
import time

import torch
from torch import nn

LATENT = 100


def bn1d(n):
    # tfjs momentum 0.9 keeps 90% of the running value: PyTorch's momentum 0.1; same epsilon
    return nn.BatchNorm1d(n, momentum=0.1, eps=1e-5)


def bn2d(n):
    return nn.BatchNorm2d(n, momentum=0.1, eps=1e-5)


def mlp_generator(batch_norm):
    def block(i, o):
        return [nn.Linear(i, o)] + ([bn1d(o)] if batch_norm else []) + [nn.LeakyReLU(0.2)]
    return nn.Sequential(nn.Linear(LATENT, 128), nn.LeakyReLU(0.2), *block(128, 256), *block(256, 512),
                         nn.Linear(512, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))


def mlp_discriminator():
    layers = [nn.Flatten()]
    for i, o in [(784, 512), (512, 256), (256, 128)]:
        layers += [nn.Linear(i, o), nn.LeakyReLU(0.2), nn.Dropout(0.4)]
    return nn.Sequential(*layers, nn.Linear(128, 1))


def dcgan_generator(latent, batch_norm, out_act):
    def bn(n):
        return [bn2d(n)] if batch_norm else []

    def up(cin, cout, stride):
        return [nn.ConvTranspose2d(cin, cout, 3, stride, 1, output_padding=stride - 1), *bn(cout), nn.ReLU()]
    return nn.Sequential(
        nn.Linear(latent, 12544), nn.Unflatten(1, (256, 7, 7)), *bn(256),
        *up(256, 128, 2), *up(128, 64, 1), *up(64, 32, 1),
        nn.ConvTranspose2d(32, 1, 3, 2, 1, output_padding=1), out_act)


def dcgan_trunk():
    layers = []
    for cin, cout, stride in [(1, 32, 2), (32, 64, 1), (64, 128, 1), (128, 256, 2)]:
        layers += [nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.2), nn.Dropout(0.25)]
    return layers + [nn.Flatten()]


def adam(params, lr, betas):
    # tfjs's Adam epsilon is 1e-7 (PyTorch's default 1e-8): the same optimizer gen-mnist runs
    return torch.optim.Adam(params, lr, betas=betas, eps=1e-7)


class Gan:
    """gen-mnist's GAN.trainStep: a discriminator update on the real batch and a generated one,
    then (every n_critic-th step) a generator update on a fresh generated batch."""

    def __init__(self, g, d, lr, betas, smoothing=0.0, wasserstein=False, penalty=0.0, n_critic=1):
        self.g, self.d = g, d
        self.og, self.od = adam(g.parameters(), lr, betas), adam(d.parameters(), lr, betas)
        self.smoothing, self.wasserstein, self.penalty, self.n_critic = smoothing, wasserstein, penalty, n_critic
        self.steps = 0
        self.bce = nn.BCEWithLogitsLoss()

    def step(self, x):
        n = x.shape[0]
        fake = self.g(torch.randn(n, LATENT)).detach()
        real_s, fake_s = self.d(x), self.d(fake)
        if self.wasserstein:
            loss = fake_s.mean() - real_s.mean()
        else:
            loss = self.bce(real_s, torch.full((n, 1), 1 - self.smoothing)) + self.bce(fake_s, torch.zeros(n, 1))
        if self.penalty > 0:
            eps = torch.rand(n, 1, 1, 1)
            mixed = (eps * x + (1 - eps) * fake).requires_grad_(True)
            grad, = torch.autograd.grad(self.d(mixed).sum(), mixed, create_graph=True)
            loss = loss + self.penalty * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
        self.od.zero_grad()
        loss.backward()
        self.od.step()
        if self.steps % self.n_critic == 0:
            scores = self.d(self.g(torch.randn(n, LATENT)))
            g_loss = -scores.mean() if self.wasserstein else self.bce(scores, torch.ones(n, 1))
            self.og.zero_grad()
            g_loss.backward()
            self.og.step()
        self.steps += 1


class ConvVae:
    """gen-mnist's VAE.trainStep: BCE (on logits) summed over pixels plus KL, averaged over the batch."""

    def __init__(self):
        self.enc = nn.Sequential(*dcgan_trunk(), nn.Linear(12544, 32))
        self.dec = dcgan_generator(16, False, nn.Identity())  # logits; the loss applies the sigmoid
        self.opt = adam(list(self.enc.parameters()) + list(self.dec.parameters()), 1e-3, (0.9, 0.999))

    def step(self, x):
        mu, logvar = self.enc(x).chunk(2, dim=1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = nn.functional.binary_cross_entropy_with_logits(self.dec(z), x, reduction="sum") / x.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
        loss = recon + kl
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


def models():
    """Every preset the bench compares: name → (batch size, pixel range low end, model factory)."""
    published = dict(lr=2e-4, betas=(0.5, 0.999))
    return {
        "mlp-gan": (128, -1, lambda: Gan(mlp_generator(True), mlp_discriminator(), smoothing=0.1, **published)),
        "dcgan": (32, -1, lambda: Gan(dcgan_generator(LATENT, False, nn.Tanh()), nn.Sequential(*dcgan_trunk(), nn.Linear(12544, 1)),
                                      smoothing=0.1, **published)),
        "conv-vae": (64, 0, ConvVae),
        "wgan-gp": (64, -1, lambda: Gan(dcgan_generator(LATENT, True, nn.Tanh()), nn.Sequential(*dcgan_trunk(), nn.Linear(12544, 1)),
                                        lr=1e-4, betas=(0.0, 0.9), wasserstein=True, penalty=10.0, n_critic=5)),
        "mlp-gan-published": (128, -1, lambda: Gan(mlp_generator(False), mlp_discriminator(), **published)),
        "dcgan-published": (128, -1, lambda: Gan(dcgan_generator(LATENT, False, nn.Tanh()),
                                                 nn.Sequential(*dcgan_trunk(), nn.Linear(12544, 1)), **published)),
    }


def time_steps(model, batch, low, steps, cycle, min_seconds):
    """Mean milliseconds per step over at least `steps` steps and `min_seconds` seconds (whole
    cycles of `cycle`), after one warm-up cycle; each step slices its batch from a shuffled
    60,000-image tensor."""
    data = torch.rand(60000, 1, 28, 28) * (1 - low) + low
    order = torch.randperm(60000)
    at = [0]

    def one():
        if at[0] + batch > 60000:
            at[0] = 0
        x = data[order[at[0]:at[0] + batch]]
        at[0] += batch
        model.step(x)

    for _ in range(max(2, cycle)):
        one()
    steps = -(-steps // cycle) * cycle
    start = time.perf_counter()
    done = 0
    while done < steps or time.perf_counter() - start < min_seconds:
        for _ in range(cycle):
            one()
        done += cycle
    return (time.perf_counter() - start) * 1000 / done


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--min-seconds", type=float, default=3.0, help="time at least this many seconds of steps per preset")
    parser.add_argument("--models", default=",".join(models()))
    parser.add_argument("--batches", default="", help="name=size,...: the batch size each preset must run (the bench passes gen-mnist's)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    results = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    table = models()
    expected = dict(item.split("=") for item in args.batches.split(",") if item)
    for name in args.models.split(","):
        batch, low, make = table[name]
        if name in expected and int(expected[name]) != batch:
            raise SystemExit(f"bench/reference.py: {name} runs batch {batch} here but gen-mnist's preset runs {expected[name]}; update models()")
        model = make()
        cycle = getattr(model, "n_critic", 1)
        results[name] = {"batch": batch, "ms": time_steps(model, batch, low, args.steps, cycle, args.min_seconds)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
