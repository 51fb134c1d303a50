/* The groups of the test_sim executable; each returns its failure count. */
#ifndef SIM_TESTS_H
#define SIM_TESTS_H

int sim_tests_deploy(void);
int sim_tests_parts(void);
int sim_tests_query(void);
int sim_tests_placement(void);
int sim_tests_throttle(void);

#endif
