#!/usr/bin/python3
"""Placement cost on container instances: one service of 1,000 tasks on 100
simulated instances in 3 zones (default spread), then RunTask of 10 with
binpack. Usage: sim/bench/place_load.py [build/bin/ecs-local]"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "conformance"))
if len(sys.argv) > 1:
    os.environ["ECS_LOCAL"] = sys.argv[1]
from ecslocal import Server  # noqa: E402

srv = Server("--instances", "big=100:cpu=4096,memory=8192,az=us-east-1a|us-east-1b|us-east-1c",
             time_scale=200).start()
try:
    ecs = srv.client()
    ecs.create_cluster(clusterName="big")
    ecs.register_task_definition(family="b", containerDefinitions=[
        {"name": "a", "image": "x", "memory": 64, "cpu": 32}])
    t0 = time.monotonic()
    ecs.create_service(cluster="big", serviceName="s", taskDefinition="b", desiredCount=1000)
    t1 = time.monotonic()
    ecs.get_waiter("services_stable").wait(cluster="big", services=["s"],
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    t2 = time.monotonic()
    ecs.run_task(cluster="big", taskDefinition="b", count=10,
                 placementStrategy=[{"type": "binpack", "field": "memory"}])
    t3 = time.monotonic()
    print("CreateService placing 1000 tasks: %.2f s; stable after %.2f s; "
          "RunTask 10 binpack: %.3f s" % (t1 - t0, t2 - t0, t3 - t2))
finally:
    srv.stop()
